/**
 * The read-model (document) store port. Projections write read models through it and list
 * queries read them. Adapters: embedded SQLite and MongoDB; both pass
 * `testing/document-store.contract.ts`.
 *
 * Documents are plain JSON objects with a string `id`. Field names starting with `_` are reserved
 * for the store.
 */

export type Scalar = string | number | boolean | null;
export type Document = { id: string } & Record<string, unknown>;

/**
 * Conditions on one field. A bare scalar means equality. Dotted paths reach nested fields.
 *
 * A field whose value is an array is a value of its own type, like an object: no operator looks
 * at its elements. Equality, `$in`, ranges and `$contains` never match it (not even with null);
 * `$ne` and `$nin` always do; `$exists: true` does. A dotted path that runs through an array
 * (`items.name` where `items` is an array) reaches nothing: the field is missing there. Every
 * adapter gives these answers; MongoDB, which would match an array when any element matches, is
 * sent `$type` guards to that end. Matching elements (tags, say) would be an operator of its own.
 */
export type FieldCondition =
  | Scalar
  | {
      $eq?: Scalar;
      $ne?: Scalar;
      $in?: readonly Scalar[];
      $nin?: readonly Scalar[];
      $gt?: string | number;
      $gte?: string | number;
      $lt?: string | number;
      $lte?: string | number;
      /** Case-insensitive substring match on a string field. */
      $contains?: string;
      $exists?: boolean;
    };

export type Filter = {
  $or?: Filter[];
  $and?: Filter[];
} & { [field: string]: FieldCondition | Filter[] | undefined };

export type SortDirection = 1 | -1;
/** Sort keys in priority order, e.g. `[['lastName', 1], ['firstName', 1]]`. */
export type Sort = ReadonlyArray<readonly [field: string, direction: SortDirection]>;

export interface FindOptions {
  sort?: Sort;
  skip?: number;
  limit?: number;
}

export interface Page<T> {
  items: T[];
  /** Every document the filter matches, not only the page's. */
  total: number;
}

/** `findPage` as two reads, `find` and `count` side by side: the stores without a one-read page use it. */
export async function findAndCount<T extends Document>(collection: DocumentCollection<T>, filter: Filter | undefined, options: FindOptions): Promise<Page<T>> {
  const [items, total] = await Promise.all([collection.find(filter, options), collection.count(filter)]);
  return { items, total };
}

export interface IndexSpec {
  fields: Sort;
  unique?: boolean;
}

/**
 * A version guard: the position (or stream revision) of the event that produced the write. A
 * guarded write applies only when the stored document's version is lower, so applying the same
 * event twice changes nothing. Deletions leave a tombstone carrying their version, so an older
 * event replayed later cannot bring a deleted document back.
 */
export type Version = bigint | number;

export type WriteOp =
  | { op: 'upsert'; collection: string; doc: Document; version?: Version }
  | { op: 'patch'; collection: string; id: string; set: Record<string, unknown>; version?: Version }
  | { op: 'delete'; collection: string; id: string; version?: Version }
  /** Inserts only if no document (not even a tombstone) has this id; otherwise the whole commit fails with DuplicateDocumentError. */
  | { op: 'insert'; collection: string; doc: Document }
  | { op: 'checkpoint'; processor: string; position: bigint | null }
  /**
   * Fencing (leases, docs/SCALING.md): the commit goes through only if no commit for this processor
   * ever carried a higher token, and raises the stored token to this one. Otherwise the whole
   * commit fails with FencedOffError and changes nothing. Put it first in a commit.
   */
  | { op: 'fence'; processor: string; token: bigint };

export interface DocumentCollection<T extends Document = Document> {
  readonly name: string;
  get(id: string): Promise<T | null>;
  find(filter?: Filter, options?: FindOptions): Promise<T[]>;
  count(filter?: Filter): Promise<number>;
  /**
   * A page of a list and the count of every match, as `find` and `count` with the same filter
   * would give them. SQLite answers a text search's page and count from one read of its matches;
   * without a text search, and in the other stores, it is `find` and `count`.
   */
  findPage(filter: Filter | undefined, options: FindOptions): Promise<Page<T>>;
  /** Declares the indexes the collection's queries need. Idempotent. */
  ensureIndexes(indexes: readonly IndexSpec[]): Promise<void>;
  /**
   * Declares a substring-search index over these string fields: it speeds up a `$contains` (or an
   * `$or` of them) of 3 characters or more on them, without changing any result. SQLite: an FTS5
   * trigram index kept in step by triggers. PostgreSQL: a pg_trgm GIN index. MongoDB: each
   * field's trigrams stored beside the document, with a multikey index (mongodb/mongo-text-index.ts).
   */
  ensureTextIndex(fields: readonly string[]): Promise<void>;
}

export interface DocumentStore {
  /** True when a commit is all-or-nothing (SQLite always; MongoDB on a replica set). */
  readonly transactional: boolean;
  collection<T extends Document = Document>(name: string): DocumentCollection<T>;
  /**
   * Applies the writes in order, atomically where the engine allows it (SQLite always, MongoDB on
   * a replica set). Without a transaction the writes still apply in order, so put the checkpoint
   * last: a crash before it only causes a harmless, guarded replay.
   */
  commit(ops: readonly WriteOp[]): Promise<void>;
  /** The position a processor stored with its last commit, or null when it has none. */
  getCheckpoint(processor: string): Promise<bigint | null>;
  /** Drops every document of a collection (used by rebuilds and tests). */
  dropCollection(name: string): Promise<void>;
  /**
   * Runs `work` with its commits grouped into one transaction where the engine allows it (SQLite),
   * so a rebuild writes thousands of events at once and still reads its own writes. Only for a
   * connection nothing else uses meanwhile. Elsewhere the commits apply one by one.
   */
  batch<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Puts rebuilt collections in place of the live ones (and drops the old ones), and moves the
   * live processors' checkpoints to the position the rebuild reached: in one transaction on
   * SQLite and PostgreSQL; on MongoDB (where a rename cannot join a transaction) collection by
   * collection while a mark on the live checkpoints refuses live commits (SwapInProgressError, a
   * retry) for the short critical section. Throws CheckpointAheadError, changing nothing, when a
   * live checkpoint is already past that position: the rebuild catches up and tries again. A live
   * commit that races the swap is never lost (contract case).
   */
  swapCollections(swaps: readonly CollectionSwap[], checkpoints: SwapCheckpoints): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface CollectionSwap {
  live: string;
  replacement: string;
}

export interface SwapCheckpoints {
  /** The live processors, whose checkpoints move to `position`. */
  processors: readonly string[];
  position: bigint;
  /** Checkpoints cleared in the same step (the rebuild's own, so that it starts afresh next time). */
  reset?: readonly string[];
}

export class CheckpointAheadError extends Error {
  constructor(
    readonly processor: string,
    readonly position: bigint,
  ) {
    super(`the live checkpoint of ${processor} is at ${position}, past the rebuild`);
    this.name = 'CheckpointAheadError';
  }
}

/** A commit fenced with a token lower than one already seen: its writer lost its lease meanwhile. */
export class FencedOffError extends Error {
  constructor(
    readonly processor: string,
    readonly token: bigint,
    readonly current: bigint,
  ) {
    super(`${processor}: fencing token ${token} is stale, ${current} has written since (the lease moved to another replica)`);
    this.name = 'FencedOffError';
  }
}

/**
 * A live commit refused because a rebuild is swapping in the processor's collections (MongoDB,
 * where the swap cannot be one transaction). Nothing is lost: the checkpoint did not move, so the
 * processor replays from it once the swap is over. Not a failure: the runner waits and retries.
 */
export class SwapInProgressError extends Error {
  constructor(readonly processor: string) {
    super(`${processor}: a rebuild is swapping in its collections, the commit is refused (it replays from the checkpoint)`);
    this.name = 'SwapInProgressError';
  }
}

export class DuplicateDocumentError extends Error {
  constructor(
    readonly collection: string,
    readonly id: string,
  ) {
    super(`${collection}/${id} already exists`);
    this.name = 'DuplicateDocumentError';
  }
}

/** Versions are stored as fixed-width hex so both engines compare them as strings, up to 2^128. */
export function encodeVersion(version: Version): string {
  const value = BigInt(version);
  if (value < 0n) throw new Error('versions cannot be negative');
  return value.toString(16).padStart(32, '0');
}

export function checkpointId(processor: string): string {
  return `checkpoint_${processor}`;
}

/** The fencing token of a processor lives beside its checkpoint. */
export function fenceId(processor: string): string {
  return `fence_${processor}`;
}

export const CHECKPOINTS_COLLECTION = 'checkpoints';

export function isReservedField(field: string): boolean {
  return field.startsWith('_');
}
