import { randomUUID } from 'node:crypto';
import {
  AnyBulkWriteOperation,
  ClientSession,
  Collection,
  Db,
  MongoClient,
  MongoClientOptions,
  type Document as BsonDocument,
} from 'mongodb';
import {
  CHECKPOINTS_COLLECTION,
  CheckpointAheadError,
  CollectionSwap,
  SwapCheckpoints,
  SwapInProgressError,
  DocumentCollection,
  DocumentStore,
  DuplicateDocumentError,
  Document,
  Filter,
  FindOptions,
  IndexSpec,
  Page,
  WriteOp,
  checkpointId,
  encodeVersion,
  findAndCount,
  fenceId,
} from '../document-store.port';
import { fenceRefusal, fenceUpdate, isDuplicateKey, isIdIndex, isIndexNotFound, isNamespaceExists, isNamespaceNotFound } from './mongo-errors';
import { liveFilter, mongoField, translateIndex, translateSort } from './mongo-filter';
import { indexCopies } from './mongo-index-copy';
import { assertStorableKeys } from './mongo-keys';
import { TEXT_FIELD, textIndexes, textKey, textOf, textPatch } from './mongo-text-index';

export interface MongoDocumentStoreOptions {
  /** A MongoDB connection string. */
  url: string;
  /** The database that holds the read models (one collection per read-model collection). */
  database: string;
  /**
   * Whether commits run in a transaction. Detected when omitted: a replica set or a sharded
   * cluster has them, a standalone server does not. Forcing `true` on a standalone fails.
   */
  transactions?: boolean;
  clientOptions?: MongoClientOptions;
}

const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,62}$/;
/** Fields of the stored shape that are not part of the document. */
const RESERVED_FIELDS = ['_id', '_v', '_deleted', TEXT_FIELD] as const;
const WITHOUT_STORE_FIELDS = { _v: 0, _deleted: 0, [TEXT_FIELD]: 0 } as const;
/**
 * Which collections have a text index, and over which fields: `{ _id: collection, fields }`. Every
 * process that writes such a collection must put the trigrams in (`./mongo-text-index.ts`), not
 * only the one that declared the index, so the declaration is stored, not kept in memory.
 */
const TEXT_INDEXES_COLLECTION = 'store__text_indexes';
/** Documents per write of a text-index backfill. */
const BACKFILL_BATCH = 500;

interface StoredDocument extends BsonDocument {
  _id: string;
  _v?: string | null;
  _deleted: boolean;
}

/**
 * Read models in MongoDB 6.0 or later: a collection per read-model collection, each document
 * stored as `{ _id, ...fields, _v, _deleted }` where `_v` is the encoded version of the event that
 * wrote it and `_deleted` marks a tombstone.
 *
 * Guarded writes are single-document update pipelines that keep the stored document when its
 * version is not lower, filtered on `_id` alone so that an upsert never meets a duplicate key on
 * `_id` (a duplicate-key error aborts a transaction on the server; it cannot be ignored inside
 * one). On a replica set or sharded cluster a commit is one transaction; on a standalone server the
 * writes apply one by one, in order: an error (for example a DuplicateDocumentError) leaves the
 * earlier writes of that commit applied, which the guarded replay tolerates.
 *
 * Documents are normalised through JSON on the way in, exactly as the SQLite adapter stores them
 * (undefined fields dropped, dates as ISO strings). Field names that MongoDB cannot store and query
 * as plain fields (starting with `$`, containing `.` or NUL, at any depth) are refused.
 *
 * Why 6.0 at least: a sort that no index serves runs in memory, and before 6.0 such a sort fails
 * past 100 MB unless the query allows disk use (`allowDiskUseByDefault` is on from 6.0), which
 * list queries sorted on an unindexed field of a large read model would meet. Transactions need a
 * replica set or a sharded cluster (see `transactions`).
 */
export class MongoDocumentStore implements DocumentStore {
  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    /** Whether commits run in a transaction. */
    readonly transactional: boolean,
  ) {}

  /** The text-indexed fields of each collection, as read from TEXT_INDEXES_COLLECTION or declared here. */
  private readonly textFields = new Map<string, Promise<readonly string[] | null>>();

  static async connect(options: MongoDocumentStoreOptions): Promise<MongoDocumentStore> {
    const client = new MongoClient(options.url, options.clientOptions);
    await client.connect();
    try {
      const transactional = options.transactions ?? (await supportsTransactions(client));
      return new MongoDocumentStore(client, client.db(options.database), transactional);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  collection<T extends Document = Document>(name: string): DocumentCollection<T> {
    return new MongoCollection<T>(this.stored(name), name, this);
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    // Validate and build every write before touching the server: an invalid op fails the commit
    // without applying anything, with or without a transaction. The writes read the text-indexed
    // fields when they run.
    const text = new Map<string, readonly string[]>();
    const writes = ops.map((op) => this.prepare(op, text));
    if (writes.length === 0) return;
    await this.readTextFieldsOfOps(ops, text);
    if (!this.transactional) {
      for (const write of writes) await write(undefined);
      return;
    }
    const session = this.client.startSession();
    try {
      // The callback runs again after a transient error (a write conflict, an election): the
      // prepared writes hold no state, so they simply apply again in the new transaction.
      await session.withTransaction(async () => {
        for (const write of writes) await write(session);
      });
    } finally {
      await session.endSession();
    }
  }

  async getCheckpoint(processor: string): Promise<bigint | null> {
    const stored = await this.stored(CHECKPOINTS_COLLECTION).findOne({ _id: checkpointId(processor) }, { projection: { position: 1 } });
    if (!stored) return null;
    const position = stored.position as string | null | undefined;
    return position === null || position === undefined ? null : BigInt(position);
  }

  async batch<T>(work: () => Promise<T>): Promise<T> {
    // No long transaction on MongoDB: the commits apply one by one, each with its checkpoint.
    return work();
  }

  /**
   * Not one transaction: renameCollection cannot run inside a multi-document transaction, so the
   * renames cannot share one with the checkpoint check and the checkpoint writes, as they do on
   * SQLite and PostgreSQL. Without more, a live processor that commits past the rebuild's position
   * between the check and a rename has its writes dropped with the old collection (dropTarget)
   * while its checkpoint stays ahead: events silently never applied. So the swap fences the live
   * checkpoints for its critical section:
   *
   * 1. The indexes are copied onto the replacements first (possibly long, unfenced), after a
   *    first check that spares the copy when a live checkpoint is already ahead.
   * 2. Each live checkpoint document is marked with this swap (`_swap`, with an expiry) by a
   *    single-document write that returns the checkpoint it marked. From then on a live commit's
   *    checkpoint op refuses to write (SwapInProgressError): in a transaction, that aborts the whole
   *    commit; without one, the commit's earlier writes may have applied, and may be dropped by the
   *    rename, but its checkpoint does not move, so the processor replays them (it restarts from
   *    its stored checkpoint after a failed commit). A live transaction that wrote the checkpoint
   *    before the mark holds it: the mark waits for it to commit, and then sees it.
   * 3. A marked checkpoint past the rebuild's position: the marks are lifted, nothing is renamed,
   *    CheckpointAheadError (the rebuild catches up and tries again).
   * 4. The renames (atomic per collection), then the checkpoints move to the rebuild's position
   *    and the marks are lifted in the same writes (one transaction where there are transactions),
   *    each only while the mark is still this swap's and unexpired. A mark that expired meanwhile
   *    means live commits may have been dropped: the swap fails and says so.
   *
   * A crash in the middle leaves some collections rebuilt and some not (the next rebuild of the set
   * repairs that) and marks that block the live processors until they expire (SWAP_FENCE_MS). The
   * expiry is set by this host's clock and read by the server's (`$$NOW`): a skewed clock shortens
   * or lengthens it, which is why it is generous; the renames are metadata operations.
   */
  async swapCollections(swaps: readonly CollectionSwap[], checkpoints: SwapCheckpoints): Promise<void> {
    const checkpointCollection = this.stored(CHECKPOINTS_COLLECTION);
    for (const processor of checkpoints.processors) {
      const live = await this.getCheckpoint(processor);
      if (live !== null && live > checkpoints.position) throw new CheckpointAheadError(processor, live);
    }
    for (const { live, replacement } of swaps) {
      // The replacement was written by a replay that may not have known of the live collection's
      // text index: its trigrams are filled in now, and this process's later writes (a catch-up
      // after CheckpointAheadError) put them in. The copied indexes include the trigram indexes.
      const textFields = await this.readTextFields(live);
      if (textFields) {
        this.textFields.set(replacement, Promise.resolve(textFields));
        await this.backfillText(replacement, textFields);
      }
      // A live collection that was never created has no indexes to copy.
      const indexes = await this.stored(live)
        .indexes()
        .catch((error: unknown) => {
          if (isNamespaceNotFound(error)) return [];
          throw error;
        });
      const copies = indexCopies(indexes);
      if (copies.length > 0) await this.stored(replacement).createIndexes(copies);
    }
    const fence = { id: randomUUID(), until: new Date(Date.now() + SWAP_FENCE_MS) };
    const marked: string[] = [];
    const lift = async () => {
      for (const processor of marked) {
        const { filter, update } = swapFenceLift(checkpointId(processor), fence.id);
        await checkpointCollection.updateOne(filter, update);
      }
    };
    const release = async (session: ClientSession | undefined) => {
      for (const processor of checkpoints.processors) {
        const { filter, update } = swapFenceRelease(checkpointId(processor), processor, fence.id, checkpoints.position);
        const result = await checkpointCollection.updateOne(filter, update, { session });
        if (result.matchedCount !== 1) throw new SwapFenceExpiredError(processor);
      }
      for (const processor of checkpoints.reset ?? []) {
        await this.prepare({ op: 'checkpoint', processor, position: null })(session);
      }
    };
    try {
      for (const processor of checkpoints.processors) {
        const { filter, update, options } = swapFenceMark(checkpointId(processor), processor, fence);
        marked.push(processor);
        const markedCheckpoint = await checkpointCollection.findOneAndUpdate(filter, update, options);
        const ahead = checkpointAhead(processor, markedCheckpoint, checkpoints.position);
        if (ahead) throw ahead;
      }
      for (const { live, replacement } of swaps) {
        await this.renameOver(replacement, live);
        this.textFields.delete(replacement);
      }
      if (!this.transactional) return await release(undefined);
      const session = this.client.startSession();
      try {
        await session.withTransaction(() => release(session));
      } finally {
        await session.endSession();
      }
    } catch (error) {
      // The live processors must not wait for the expiry of marks that fence nothing any more
      // (after a failed rename the collections are as the crash case above leaves them).
      await lift().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Renames the replacement over the live collection. A replacement that was never created (the
   * rebuild wrote nothing, and there was no index to copy, which would have created it) makes
   * the rename fail with NamespaceNotFound: it is created empty and swapped in as such, as the
   * SQLite adapter does.
   */
  private async renameOver(replacement: string, live: string): Promise<void> {
    const rename = () => this.stored(replacement).rename(this.stored(live).collectionName, { dropTarget: true });
    try {
      await rename();
    } catch (error) {
      if (!isNamespaceNotFound(error)) throw error;
      await this.db.createCollection(this.stored(replacement).collectionName).catch((created: unknown) => {
        if (!isNamespaceExists(created)) throw created;
      });
      await rename();
    }
  }

  async dropCollection(name: string): Promise<void> {
    // Deletes the documents (tombstones included) but keeps the collection and its indexes.
    await this.stored(name).deleteMany({});
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private stored(name: string): Collection<StoredDocument> {
    if (!COLLECTION_NAME.test(name)) {
      throw new Error(`"${name}" is not a valid collection name (lowercase letters, digits and _)`);
    }
    return this.db.collection<StoredDocument>(name);
  }

  /**
   * The text-indexed fields of a collection, null when it has no text index. Read once per process
   * and collection: a text index is declared when a service starts, before it writes (see
   * ensureTextIndex), and its fields change only with a deploy.
   */
  textFieldsOf(collection: string): Promise<readonly string[] | null> {
    let fields = this.textFields.get(collection);
    if (!fields) {
      fields = this.readTextFields(collection);
      this.textFields.set(collection, fields);
      // A failed read is asked again next time, not remembered.
      fields.catch(() => this.textFields.delete(collection));
    }
    return fields;
  }

  private async readTextFields(collection: string): Promise<readonly string[] | null> {
    const declared = await this.db.collection<{ _id: string; fields: string[] }>(TEXT_INDEXES_COLLECTION).findOne({ _id: collection });
    return declared ? declared.fields : null;
  }

  /** The text-indexed fields of each collection that the ops write documents to. */
  private async readTextFieldsOfOps(ops: readonly WriteOp[], text: Map<string, readonly string[]>): Promise<void> {
    for (const op of ops) {
      if ((op.op !== 'upsert' && op.op !== 'insert' && op.op !== 'patch') || text.has(op.collection)) continue;
      const fields = await this.textFieldsOf(op.collection);
      if (fields) text.set(op.collection, fields);
    }
  }

  /**
   * Declares the substring-search index of a collection: a trigram index per field, the
   * declaration stored for every process, then the trigrams of the documents written before (or
   * by a process that had not read the declaration yet) filled in. A field dropped from the
   * declaration loses its index and its trigrams.
   */
  async ensureTextIndex(collection: string, fields: readonly string[]): Promise<void> {
    fields.forEach((field) => mongoField(field));
    const stored = this.stored(collection);
    if (fields.length > 0) await stored.createIndexes(textIndexes(fields));
    const dropped = ((await this.readTextFields(collection)) ?? []).filter((field) => !fields.includes(field));
    for (const field of dropped) {
      await stored.dropIndex(`rm_text_${textKey(field)}`).catch((error: unknown) => {
        if (!isIndexNotFound(error)) throw error;
      });
      await stored.updateMany({}, { $unset: { [`${TEXT_FIELD}.${textKey(field)}`]: '' } });
    }
    await this.db
      .collection<{ _id: string; fields: string[] }>(TEXT_INDEXES_COLLECTION)
      .replaceOne({ _id: collection }, { fields: [...fields] }, { upsert: true });
    this.textFields.set(collection, Promise.resolve([...fields]));
    await this.backfillText(collection, fields);
  }

  /**
   * Fills in the trigrams of the live documents that lack some field's. Each write is guarded on
   * the version it read and on the trigrams still missing: a document rewritten meanwhile (by a
   * writer that knows the index) keeps what its writer put in.
   */
  private async backfillText(collection: string, fields: readonly string[]): Promise<void> {
    if (fields.length === 0) return;
    const stored = this.stored(collection);
    const missing = { $or: fields.map((field) => ({ [`${TEXT_FIELD}.${textKey(field)}`]: { $exists: false } })) };
    const cursor = stored.find({ _deleted: false, ...missing });
    let writes: AnyBulkWriteOperation<StoredDocument>[] = [];
    const flush = async () => {
      if (writes.length > 0) await stored.bulkWrite(writes, { ordered: false });
      writes = [];
    };
    for await (const document of cursor) {
      writes.push({
        updateOne: {
          filter: { _id: document._id, _v: document._v ?? null, _deleted: false, ...missing },
          update: { $set: { [TEXT_FIELD]: textOf(document, fields) } },
        },
      });
      if (writes.length >= BACKFILL_BATCH) await flush();
    }
    await flush();
  }

  /**
   * Validates an op and returns the write that applies it (with the session of the commit, if any).
   * `text` holds the text-indexed fields of the collections by the time the write runs.
   */
  private prepare(
    op: WriteOp,
    text: ReadonlyMap<string, readonly string[]> = new Map(),
  ): (session: ClientSession | undefined) => Promise<void> {
    switch (op.op) {
      case 'upsert': {
        const collection = this.stored(op.collection);
        const { id, body } = splitDocument(op.doc);
        const version = op.version === undefined ? null : encodeVersion(op.version);
        return (session) => {
          const fields = withText(body, text.get(op.collection));
          const pipeline = version === null ? unguardedReplacement(id, fields) : guardedReplacement(id, version, { ...fields, _v: version, _deleted: false });
          return this.upsertById(op, session, () => collection.updateOne({ _id: id }, pipeline, { upsert: true, session }));
        };
      }
      case 'patch': {
        const collection = this.stored(op.collection);
        const fields = patchFields(op.set);
        if (Object.keys(fields).length === 0) return async () => undefined;
        const set: BsonDocument = { ...fields };
        const filter: BsonDocument = { _id: op.id, _deleted: false };
        if (op.version !== undefined) {
          const version = encodeVersion(op.version);
          filter.$or = versionIsLower(version);
          set._v = version;
        }
        return async (session) => {
          const textFields = text.get(op.collection);
          try {
            await collection.updateOne(filter, { $set: textFields ? { ...set, ...textPatch(fields, textFields) } : set }, { session });
          } catch (error) {
            // No upsert, so a duplicate key can only come from a unique index of the read model.
            throw isDuplicateKey(error) ? new DuplicateDocumentError(op.collection, op.id) : error;
          }
        };
      }
      case 'delete': {
        const collection = this.stored(op.collection);
        if (op.version === undefined) {
          return async (session) => {
            await collection.deleteOne({ _id: op.id }, { session });
          };
        }
        const version = encodeVersion(op.version);
        // The tombstone drops every field, so it never matches a unique index of the read model.
        const pipeline = guardedReplacement(op.id, version, { _v: version, _deleted: true });
        return (session) =>
          this.upsertById(op, session, () => collection.updateOne({ _id: op.id }, pipeline, { upsert: true, session }));
      }
      case 'insert': {
        const collection = this.stored(op.collection);
        const { id, body } = splitDocument(op.doc);
        return async (session) => {
          const stored: StoredDocument = { _id: id, ...withText(body, text.get(op.collection)), _v: null, _deleted: false };
          try {
            // A new document each time: insertOne sets nothing on a document that has an _id, but
            // the callback of a transaction may run more than once.
            await collection.insertOne(stored, { session });
          } catch (error) {
            // Any document with this id (a tombstone included), or a unique index of the read model.
            throw isDuplicateKey(error) ? new DuplicateDocumentError(op.collection, id) : error;
          }
        };
      }
      case 'fence': {
        const collection = this.stored(CHECKPOINTS_COLLECTION);
        const { filter, update, options } = fenceUpdate(fenceId(op.processor), op.processor, op.token);
        return async (session) => {
          // Raises the token when ours is not lower, and otherwise changes nothing and tells us
          // through the document from before: the refusal is then ours, thrown at once, which ends
          // the transaction without a retry (withTransaction retries only labelled driver errors)
          // and fails every write of the commit. Without a transaction, this op comes first.
          const previous = await collection.findOneAndUpdate(filter, update, { ...options, session });
          const refusal = fenceRefusal(op.processor, op.token, previous);
          if (refusal) throw refusal;
        };
      }
      case 'checkpoint': {
        const collection = this.stored(CHECKPOINTS_COLLECTION);
        const id = checkpointId(op.processor);
        if (op.position === null) {
          // A reset (a rebuild starts over): unconditional.
          const replacement = { processor: op.processor, position: null, _v: null, _deleted: false };
          return async (session) => {
            await collection.replaceOne({ _id: id }, replacement, { upsert: true, session });
          };
        }
        // Checkpoints only move forward: a slower or stale writer cannot take one back. And not
        // while a rebuild swaps collections under them (see swapCollections).
        const version = encodeVersion(op.position);
        const fields = { processor: op.processor, position: op.position.toString(), _v: version, _deleted: false };
        const target = { op: 'upsert' as const, collection: CHECKPOINTS_COLLECTION, doc: { id } };
        return (session) => {
          // A new marker each time: the callback of a transaction may run more than once.
          const { filter, update, options, refusal } = fencedCheckpointUpdate(id, version, fields, randomUUID());
          return this.upsertById(target, session, async () => {
            const after = await collection.findOneAndUpdate(filter, update, { ...options, session });
            if (refusal(after)) throw new SwapInProgressError(op.processor);
          });
        };
      }
    }
  }

  /**
   * Runs an upsert filtered on `_id` alone. A duplicate key on `_id` there can only be a race with
   * a concurrent insert of the same id (the server retries those itself since 4.2); outside a
   * transaction it is retried once, when the document exists and the write becomes an update.
   * Inside one the error aborts the transaction and propagates. A duplicate key on any other index
   * is a unique index of the read model refusing the document.
   */
  private async upsertById(
    op: Extract<WriteOp, { op: 'upsert' | 'delete' }>,
    session: ClientSession | undefined,
    write: () => Promise<unknown>,
  ): Promise<void> {
    const id = op.op === 'upsert' ? op.doc.id : op.id;
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        if (!isIdIndex(error)) throw new DuplicateDocumentError(op.collection, id);
        if (session || attempt > 1) throw error;
      }
    }
  }
}

class MongoCollection<T extends Document> implements DocumentCollection<T> {
  constructor(
    private readonly stored: Collection<StoredDocument>,
    readonly name: string,
    private readonly store: MongoDocumentStore,
  ) {}

  /** Live documents matching the filter, a `$contains` on a text-indexed field narrowed by its trigrams. */
  private async query(filter: Filter | undefined): Promise<BsonDocument> {
    return liveFilter(filter, new Set((await this.store.textFieldsOf(this.name)) ?? []));
  }

  async get(id: string): Promise<T | null> {
    const stored = await this.stored.findOne({ _id: id, _deleted: false }, { projection: WITHOUT_STORE_FIELDS });
    return stored ? toDocument<T>(stored) : null;
  }

  async find(filter?: Filter, options: FindOptions = {}): Promise<T[]> {
    const query = await this.query(filter);
    const sort = translateSort(options.sort);
    // Same paging as the SQLite adapter's LIMIT/OFFSET: a negative limit means none, 0 means no
    // rows (MongoDB reads limit 0 as "no limit"), a negative offset counts as 0.
    if (options.limit === 0) return [];
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : undefined;
    const skip = options.skip !== undefined && options.skip > 0 ? options.skip : undefined;
    const stored = await this.stored.find(query, { sort, skip, limit, projection: WITHOUT_STORE_FIELDS }).toArray();
    return stored.map((document) => toDocument<T>(document));
  }

  async count(filter?: Filter): Promise<number> {
    return this.stored.countDocuments(await this.query(filter));
  }

  findPage(filter: Filter | undefined, options: FindOptions): Promise<Page<T>> {
    return findAndCount(this, filter, options);
  }

  async ensureIndexes(indexes: readonly IndexSpec[]): Promise<void> {
    if (indexes.length === 0) return;
    await this.stored.createIndexes(indexes.map(translateIndex));
  }

  /** Trigrams per field with a multikey index (MongoDB's own text indexes match words, not substrings). */
  async ensureTextIndex(fields: readonly string[]): Promise<void> {
    await this.store.ensureTextIndex(this.name, fields);
  }
}

/** How long at most a rebuild swap fences the live checkpoints (see swapCollections). */
export const SWAP_FENCE_MS = 5 * 60_000;

export interface SwapFence {
  id: string;
  /** By this host's clock; the server compares it with its own (`$$NOW`). */
  until: Date;
}

/** The swap's fence on a live checkpoint expired (or was lifted) before the swap finished. */
export class SwapFenceExpiredError extends Error {
  constructor(readonly processor: string) {
    super(
      `the swap's fence on the checkpoint of ${processor} expired before the swap finished: live commits may have been dropped with the old collections; rebuild again`,
    );
    this.name = 'SwapFenceExpiredError';
  }
}

/**
 * Marks a checkpoint document with the swap's fence, creating it without a position when the
 * processor never wrote one, and returns it as marked: the position it holds is the one the swap
 * checks, and no live commit moves it afterwards.
 */
export function swapFenceMark(id: string, processor: string, fence: SwapFence) {
  return {
    filter: { _id: id },
    update: [
      {
        $replaceWith: {
          $mergeObjects: [{ $literal: { processor, position: null, _v: null, _deleted: false } }, '$$ROOT', { _swap: { $literal: fence } }],
        },
      },
    ],
    options: { upsert: true, returnDocument: 'after' as const, projection: { position: 1 } },
  };
}

/** The CheckpointAheadError for a checkpoint (as marked) past the rebuild's position, or null. */
export function checkpointAhead(processor: string, marked: BsonDocument | null | undefined, position: bigint): CheckpointAheadError | null {
  const stored: unknown = marked?.position;
  if (typeof stored !== 'string') return null;
  const live = BigInt(stored);
  return live > position ? new CheckpointAheadError(processor, live) : null;
}

/** Lifts this swap's mark (and only this swap's) from a checkpoint it leaves where it is. */
export function swapFenceLift(id: string, fenceId: string) {
  return { filter: { _id: id, '_swap.id': fenceId }, update: { $unset: { _swap: '' } } };
}

/**
 * Moves a fenced checkpoint to the rebuild's position and lifts the mark, only while the mark is
 * still this swap's and unexpired by the server's clock (otherwise nothing matches). The position
 * is set, not guarded: under the fence the checkpoint was checked not to be past it.
 */
export function swapFenceRelease(id: string, processor: string, fenceId: string, position: bigint) {
  const version = encodeVersion(position);
  return {
    filter: { _id: id, '_swap.id': fenceId, $expr: { $gt: ['$_swap.until', '$$NOW'] } },
    update: [{ $replaceWith: { $literal: { _id: id, processor, position: position.toString(), _v: version, _deleted: false } } }],
  };
}

/**
 * A live checkpoint write: forward only, and refused while a swap's unexpired mark is on the
 * document. A pipeline cannot fail a write, so a refusal stamps the document with this write's own
 * marker and returns it; the caller throws, which aborts a transaction (that stamp included).
 */
export function fencedCheckpointUpdate(id: string, version: string, fields: BsonDocument, marker: string) {
  return {
    filter: { _id: id },
    update: [
      {
        $replaceWith: {
          $cond: {
            // A missing `_swap.until` sorts below any date: no swap.
            if: { $gt: ['$_swap.until', '$$NOW'] },
            then: { $mergeObjects: ['$$ROOT', { _refused: { $literal: marker } }] },
            else: { $cond: { if: { $lt: ['$_v', version] }, then: { $literal: { _id: id, ...fields } }, else: '$$ROOT' } },
          },
        },
      },
    ],
    options: { upsert: true, returnDocument: 'after' as const, projection: { _refused: 1 } },
    refusal: (after: BsonDocument | null | undefined) => after?._refused === marker,
  };
}

/** Hello (or isMaster on servers before 4.4.2): a replica set member or a mongos has transactions. */
async function supportsTransactions(client: MongoClient): Promise<boolean> {
  const admin = client.db('admin');
  let hello: BsonDocument;
  try {
    hello = await admin.command({ hello: 1 });
  } catch {
    hello = await admin.command({ isMaster: 1 });
  }
  const sessions = hello.logicalSessionTimeoutMinutes !== undefined && hello.logicalSessionTimeoutMinutes !== null;
  return sessions && (typeof hello.setName === 'string' || hello.msg === 'isdbgrid');
}

/**
 * Replaces the document unless the stored version is the same or higher. `$lt` in an expression
 * puts a missing or null `_v` below any string, so a new document, an unversioned one or an
 * earlier version are replaced. `$literal` keeps values such as "$x" from being read as paths.
 */
function guardedReplacement(id: string, version: string, fields: BsonDocument): BsonDocument[] {
  return [
    {
      $replaceWith: {
        $cond: { if: { $lt: ['$_v', version] }, then: { $literal: { _id: id, ...fields } }, else: '$$ROOT' },
      },
    },
  ];
}

/** Replaces the document whatever its version, keeping that version (a tombstone's included). */
function unguardedReplacement(id: string, body: BsonDocument): BsonDocument[] {
  return [
    {
      $replaceWith: {
        $mergeObjects: [{ $literal: { _id: id, ...body, _deleted: false } }, { _v: { $ifNull: ['$_v', null] } }],
      },
    },
  ];
}

function versionIsLower(version: string): BsonDocument[] {
  return [{ _v: null }, { _v: { $lt: version } }];
}

/** The document's id and its other fields, normalised through JSON as the SQLite adapter stores them. */
function splitDocument(doc: Document): { id: string; body: BsonDocument } {
  if (typeof doc.id !== 'string' || doc.id.length === 0) throw new Error('a document needs a non-empty string id');
  const body = JSON.parse(JSON.stringify(doc)) as BsonDocument;
  delete body.id;
  for (const field of RESERVED_FIELDS) {
    if (Object.hasOwn(body, field)) throw new Error(`"${field}" is reserved for the store and cannot be a document field`);
  }
  assertStorableKeys(body);
  return { id: doc.id, body };
}

/** The stored fields of a document: with the trigrams of its text-indexed fields, if any. */
function withText(body: BsonDocument, textFields: readonly string[] | undefined): BsonDocument {
  return textFields ? { ...body, [TEXT_FIELD]: textOf(body, textFields) } : body;
}

/** Patch fields (dotted paths allowed, `id` ignored), normalised through JSON like the SQLite adapter. */
function patchFields(set: Record<string, unknown>): BsonDocument {
  const fields: BsonDocument = {};
  for (const [field, value] of Object.entries(set)) {
    if (field === 'id') continue;
    const path = mongoField(field);
    const normalised: unknown = JSON.parse(JSON.stringify(value ?? null));
    assertStorableKeys(normalised, field);
    fields[path] = normalised;
  }
  return fields;
}

function toDocument<T extends Document>(stored: BsonDocument): T {
  const { _id, ...fields } = stored;
  for (const field of RESERVED_FIELDS) delete fields[field];
  return { id: _id as string, ...fields } as T;
}
