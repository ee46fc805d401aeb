import { DocumentStore, DuplicateDocumentError } from '@clientele/platform/document-store';
import { randomBytes } from 'node:crypto';

/** The collection of the subjects' keys, in a service's key store. */
export const SUBJECT_KEYS = 'subject_keys';

interface KeyDoc {
  id: string;
  key: string;
  createdAt: string;
  [field: string]: unknown;
}

interface NewKey {
  key: Buffer;
  waiters: Array<{ resolve(key: Buffer): void; reject(error: unknown): void }>;
}

/**
 * One 256-bit key per data subject (a client), kept apart from the event store and from the read
 * models: in the service's own key store (`keys.sqlite`, or a key database of its own; see
 * docs/ERASURE.md), which backups of the event store do not contain. Destroying the key is what
 * makes a subject's personal data unreadable in every copy of the events, so that store must
 * really forget a deleted row (the SQLite adapter zeroes it and truncates its WAL).
 */
export class KeyStore {
  private readonly cache = new Map<string, Buffer>();
  /** The keys being created this turn of the event loop (see `create`); a holder, never replaced. */
  private readonly creating: { batch: Map<string, NewKey> | null } = { batch: null };

  constructor(
    private readonly documents: DocumentStore,
    private readonly collection = SUBJECT_KEYS,
    private readonly cacheSize = 10_000,
  ) {}

  /** The subject's key, created on first use (concurrent first uses agree on one key). */
  async keyFor(subjectId: string): Promise<Buffer> {
    const existing = await this.find(subjectId);
    if (existing) return existing;
    return this.create(subjectId);
  }

  /**
   * New keys asked for in the same turn of the event loop (concurrent commands each adding a
   * client) are written in one commit: one fsync for all of them instead of one each (issue 23's
   * profile: the key store's commits were a tenth of an embedded AddClient's CPU). None is answered
   * before that commit is durable. A duplicate among them (a key another replica or request
   * created first) fails the group; then each is written alone, and the first writer's key wins.
   */
  private create(subjectId: string): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      let batch = this.creating.batch;
      if (!batch) {
        const started = new Map<string, NewKey>();
        batch = this.creating.batch = started;
        setImmediate(() => void this.writeBatch(started));
      }
      const entry = batch.get(subjectId) ?? { key: randomBytes(32), waiters: [] };
      entry.waiters.push({ resolve, reject });
      batch.set(subjectId, entry);
    });
  }

  private async writeBatch(batch: Map<string, NewKey>): Promise<void> {
    if (this.creating.batch === batch) this.creating.batch = null;
    const createdAt = new Date().toISOString();
    try {
      await this.documents.commit(
        [...batch].map(([id, { key }]) => ({ op: 'insert' as const, collection: this.collection, doc: { id, key: key.toString('base64'), createdAt } })),
      );
      for (const [id, entry] of batch) {
        this.remember(id, entry.key);
        for (const waiter of entry.waiters) waiter.resolve(entry.key);
      }
    } catch (error) {
      for (const [id, entry] of batch) {
        const alone = error instanceof DuplicateDocumentError ? this.createAlone(id, entry.key) : Promise.reject(error);
        alone.then(
          (key) => entry.waiters.forEach((waiter) => waiter.resolve(key)),
          (failure: unknown) => entry.waiters.forEach((waiter) => waiter.reject(failure)),
        );
      }
    }
  }

  /** One key written on its own; when the subject has one already, that one. */
  private async createAlone(subjectId: string, key: Buffer): Promise<Buffer> {
    try {
      await this.documents.commit([
        { op: 'insert', collection: this.collection, doc: { id: subjectId, key: key.toString('base64'), createdAt: new Date().toISOString() } },
      ]);
      this.remember(subjectId, key);
      return key;
    } catch (error) {
      if (!(error instanceof DuplicateDocumentError)) throw error;
      const winner = await this.find(subjectId);
      if (!winner) throw new Error(`the key of ${subjectId} was destroyed while it was being created`);
      return winner;
    }
  }

  /** Creates the keys of many new subjects in one durable write (an import), then answers from the cache. */
  async prepare(subjectIds: readonly string[]): Promise<void> {
    const missing: Array<{ id: string; key: Buffer }> = [];
    for (const id of new Set(subjectIds)) if (!(await this.find(id))) missing.push({ id, key: randomBytes(32) });
    if (missing.length === 0) return;
    const createdAt = new Date().toISOString();
    try {
      await this.documents.commit(
        missing.map(({ id, key }) => ({ op: 'insert' as const, collection: this.collection, doc: { id, key: key.toString('base64'), createdAt } })),
      );
      for (const { id, key } of missing) this.remember(id, key);
    } catch (error) {
      if (!(error instanceof DuplicateDocumentError)) throw error;
      // Someone created one of them meanwhile: fall back to one at a time.
      for (const { id } of missing) await this.keyFor(id);
    }
  }

  /** The subject's key, or null once it was destroyed (or never existed). */
  async find(subjectId: string): Promise<Buffer | null> {
    const cached = this.cache.get(subjectId);
    if (cached) return cached;
    const doc = await this.documents.collection<KeyDoc>(this.collection).get(subjectId);
    if (!doc) return null;
    const key = Buffer.from(doc.key, 'base64');
    this.remember(subjectId, key);
    return key;
  }

  /** Irreversible: every value encrypted with this key becomes unreadable. */
  async destroy(subjectId: string): Promise<void> {
    this.cache.delete(subjectId);
    await this.documents.commit([{ op: 'delete', collection: this.collection, id: subjectId }]);
    // Again once it is gone: a read that raced the delete may have cached the key meanwhile.
    this.cache.delete(subjectId);
  }

  private remember(subjectId: string, key: Buffer): void {
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(subjectId, key);
  }
}

/**
 * Moves the keys an earlier version kept in a service's read models into its key store, then
 * deletes them from the read models (which zero what they delete). Idempotent, and cheap once done
 * (one empty read): the host and the ops tool run it whenever they open a service's stores. Run it
 * with every replica of the service stopped, so no older replica creates a key in the read models
 * afterwards. A key already in the key store wins; the two are the same key unless such a replica ran.
 */
export async function moveKeysApart(readModels: DocumentStore, keys: DocumentStore, pageSize = 500): Promise<number> {
  let moved = 0;
  for (;;) {
    const page = await readModels.collection<KeyDoc>(SUBJECT_KEYS).find({}, { limit: pageSize });
    if (page.length === 0) return moved;
    try {
      await keys.commit(page.map((doc) => ({ op: 'insert' as const, collection: SUBJECT_KEYS, doc })));
    } catch (error) {
      if (!(error instanceof DuplicateDocumentError)) throw error;
      // An earlier, interrupted move got some of them there already: one at a time.
      for (const doc of page) {
        await keys.commit([{ op: 'insert', collection: SUBJECT_KEYS, doc }]).catch((failure: unknown) => {
          if (!(failure instanceof DuplicateDocumentError)) throw failure;
        });
      }
    }
    await readModels.commit(page.map((doc) => ({ op: 'delete' as const, collection: SUBJECT_KEYS, id: doc.id })));
    moved += page.length;
  }
}
