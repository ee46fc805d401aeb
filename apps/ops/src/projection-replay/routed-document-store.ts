import type {
  CollectionSwap,
  Document,
  DocumentCollection,
  DocumentStore,
  WriteOp,
} from '@clientele/platform/document-store';

/**
 * What replaying processors see as their document store: their own collections (and their
 * checkpoints) are sent to `target` under other names, everything else (the keys that open
 * personal data) is read from the live store. So the very code that maintains a read model can
 * build a copy of it beside the original (a rebuild's shadow collections) or somewhere else
 * entirely (verify's scratch store), without knowing.
 */
export class RoutedDocumentStore implements DocumentStore {
  constructor(
    private readonly live: DocumentStore,
    private readonly target: DocumentStore,
    private readonly owned: ReadonlySet<string>,
    private readonly rename: (collection: string) => string,
    private readonly checkpointName: string,
  ) {}

  get transactional(): boolean {
    return this.target.transactional;
  }

  collection<T extends Document = Document>(name: string): DocumentCollection<T> {
    return this.owned.has(name) ? this.target.collection<T>(this.rename(name)) : this.live.collection<T>(name);
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    await this.target.commit(
      ops.flatMap((op): WriteOp[] => {
        // A replay holds no lease: the live processors' fencing tokens are not its business.
        if (op.op === 'fence') return [];
        if (op.op === 'checkpoint') return [{ ...op, processor: this.checkpointName }];
        if (!this.owned.has(op.collection)) {
          throw new Error(`a replayed processor wrote to ${op.collection}, which its projection set does not own`);
        }
        return [{ ...op, collection: this.rename(op.collection) }];
      }),
    );
  }

  getCheckpoint(): Promise<bigint | null> {
    return this.target.getCheckpoint(this.checkpointName);
  }

  dropCollection(name: string): Promise<void> {
    return this.target.dropCollection(this.rename(name));
  }

  batch<T>(work: () => Promise<T>): Promise<T> {
    return this.target.batch(work);
  }

  swapCollections(_swaps: readonly CollectionSwap[]): Promise<void> {
    throw new Error('a replay cannot swap collections');
  }

  ping(): Promise<void> {
    return this.target.ping();
  }

  async close(): Promise<void> {
    // The stores belong to whoever made this view.
  }
}
