import { normaliseDocument } from '../plain-json';
import Database from 'better-sqlite3';
import { privateSqliteFile, WalSync, type FileSync } from '@clientele/platform/config';
import {
  CHECKPOINTS_COLLECTION,
  CheckpointAheadError,
  CollectionSwap,
  SwapCheckpoints,
  DocumentCollection,
  DocumentStore,
  DuplicateDocumentError,
  Document,
  FencedOffError,
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
import { compileFilter, compileSort, fieldExpression } from './sql-filter';

export interface SqliteDocumentStoreOptions {
  /** A file path, or ':memory:'. One file per service, next to (not inside) its event store. */
  filename: string;
  busyTimeoutMs?: number;
  /** How long after the last deletion the text indexes are purged of it (default 1 s). */
  textPurgeDelayMs?: number;
  /** How the WAL is flushed to disk before a commit that cannot be rebuilt is answered (fs.fsync; specs hold it). */
  fileSync?: FileSync;
}

const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,62}$/;

interface QueuedCommit {
  ops: readonly WriteOp[];
  mustSurvivePowerLoss: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Read models in one SQLite file: a table per collection, each document stored as JSON with its
 * version and a tombstone flag; each commit is one transaction with its checkpoint.
 *
 * Durability per commit: read models and checkpoints can always be rebuilt from the events, so
 * their commits run with synchronous=NORMAL (atomic, and safe from a process crash; a power cut
 * may roll back the last ones together with their checkpoint, which only means a replay). A commit
 * holding an `insert` or an unversioned `delete` (inbox rows, subject keys, their shredding) cannot
 * be rebuilt: it is answered only once the WAL holding it is fsynced, as synchronous=FULL would,
 * but off the event loop and shared by the commits made meanwhile (`WalSync`).
 *
 * Erasure: a deleted row must not survive on disk. secure_delete zeroes what a delete frees (the
 * row's bytes in its page, and freed overflow pages), and once a commit that deleted something has
 * committed, a checkpoint with TRUNCATE copies the zeroed pages into the file and empties the WAL,
 * which still held the row's earlier versions. Deletions are rare (a shredded key, a deleted
 * client's documents, a rebuild's dropped collection); upserts only pay for zeroing the old copy
 * of a row in a page that is written anyway.
 */
export class SqliteDocumentStore implements DocumentStore {
  private readonly db: Database.Database;
  private readonly tables = new Set<string>();
  private readonly tableOf = new Map<string, string>();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly textIndexes = new Map<string, readonly string[] | null>();
  /** Inside a batch: rows read or upserted, by table and id, written back when the batch commits. */
  private overlay: Map<string, Map<string, CachedRow>> | null = null;
  /** The last text-index match (see `textMatches`). */
  private lastTextMatch: { table: string; term: string; state: string; rowids: string } | null = null;
  readonly transactional = true;
  /** A delete was applied since the last checkpoint: the WAL holds the deleted rows' old pages. */
  private erased = false;
  private truncateRetry: NodeJS.Timeout | null = null;
  private readonly busyTimeoutMs: number;
  /** Tables whose text index still holds deleted documents' entries (see `purgeErasedText`). */
  private readonly erasedText = new Set<string>();
  private textPurge: NodeJS.Timeout | null = null;
  private readonly textPurgeDelayMs: number;
  /** Commits asked for in this turn of the event loop (see `commit`). */
  private queued: QueuedCommit[] = [];
  /** The tables those commits write, and in each the documents (the processors, for checkpoints). */
  private readonly queuedTables = new Map<string, Set<string>>();
  private readonly applyInTransaction: Database.Transaction<(ops: readonly WriteOp[]) => void>;
  /** Syncs the WAL before a commit that cannot be rebuilt is answered (null for ':memory:'). */
  private readonly wal: WalSync | null;
  /** Each commit of a group in a savepoint (a nested better-sqlite3 transaction): its error, or undefined. */
  private readonly applyGroup: Database.Transaction<(group: ReadonlyArray<readonly WriteOp[]>) => unknown[]>;

  constructor(options: SqliteDocumentStoreOptions) {
    // Owner-only before SQLite creates anything: the -wal and -shm files take the file's mode.
    privateSqliteFile(options.filename);
    this.db = new Database(options.filename);
    this.db.pragma('secure_delete = ON');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.wal = WalSync.needed(options.filename) ? new WalSync(options.filename, { fileSync: options.fileSync }) : null;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.textPurgeDelayMs = options.textPurgeDelayMs ?? 1000;
    this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    this.db.pragma('journal_size_limit = 67108864');
    this.db.function('unicode_lower', { deterministic: true }, (value: unknown) =>
      typeof value === 'string' ? value.toLowerCase() : value,
    );
    this.applyInTransaction = this.db.transaction((ops: readonly WriteOp[]) => this.applyAll(ops));
    this.applyGroup = this.db.transaction((group: ReadonlyArray<readonly WriteOp[]>) =>
      group.map((ops) => {
        try {
          this.applyInTransaction(ops);
          return undefined;
        } catch (error) {
          return error ?? new Error('commit failed');
        }
      }),
    );
  }

  collection<T extends Document = Document>(name: string): DocumentCollection<T> {
    return new SqliteCollection<T>(this, this.table(name), name);
  }

  /** Fields of a table's substring-search index, when it has one. */
  textIndexOf(table: string): readonly string[] | null {
    if (!this.textIndexes.has(table)) {
      this.db.exec('CREATE TABLE IF NOT EXISTS rm__text_indexes (table_name TEXT PRIMARY KEY, fields TEXT NOT NULL)');
      const row = this.prepare<{ fields: string }>('SELECT fields FROM rm__text_indexes WHERE table_name = ?').get(table);
      this.textIndexes.set(table, row ? (JSON.parse(row.fields) as string[]) : null);
    }
    return this.textIndexes.get(table)!;
  }

  /**
   * An FTS5 trigram table over the fields, rowid = the document's rowid, kept in step by triggers,
   * so every write path (upserts, patches, tombstones, rebuilds) updates it.
   */
  createTextIndex(table: string, fields: readonly string[]): void {
    this.flushCommits();
    const existing = this.textIndexOf(table);
    if (existing && JSON.stringify(existing) === JSON.stringify(fields)) {
      this.db.transaction(() => {
        this.installTextTriggers(table, fields);
        this.tuneTextIndex(table);
      })();
      // What deletions left in it before (an earlier version, or a crash before the purge).
      this.erasedText.add(table);
      this.purgeErasedText();
      return;
    }
    this.db.transaction(() => this.buildTextIndex(table, fields))();
    this.textIndexes.set(table, [...fields]);
    this.statements.clear();
    this.lastTextMatch = null;
  }

  /**
   * Rowids of the rows whose text index matches the term, as a JSON array. A list page and its
   * count search the same term one right after the other, and the trigram match is most of their
   * cost (bench/RESULTS.md, list-query), so the last match is reused while the store is unchanged:
   * no row written on this connection since (total_changes) and no commit by another connection
   * (data_version). Schema changes and rolled-back batches forget it.
   */
  textMatches(table: string, term: string): string {
    const now = this.prepare<{ changes: number; version: number }>(
      'SELECT total_changes() AS changes, (SELECT data_version FROM pragma_data_version) AS version',
    ).get()!;
    const state = `${now.changes}:${now.version}`;
    const last = this.lastTextMatch;
    if (last && last.table === table && last.term === term && last.state === state) return last.rowids;
    const rowids = JSON.stringify(this.textCandidates(table, term));
    this.lastTextMatch = { table, term, state, rowids };
    return rowids;
  }

  /**
   * Rowids of rows whose indexed text may contain the term: a superset (the caller's filter still
   * decides every row). A phrase of trigrams costs about one seek per trigram into each of its
   * doclists, and the trigrams every row shares (an e-mail's domain, a common surname) have doclists
   * as long as the table: a whole e-mail address was 6 ms with 10,000 clients (bench/RESULTS.md,
   * issue 23). A short window of the term (a substring, so whatever holds the term holds it) is a
   * handful of seeks, and one of an address's windows is nearly always rare: the first window with
   * fewer than TEXT_WINDOW_ENOUGH rows gives the candidates. When every window tried is common, the
   * whole term does.
   */
  private textCandidates(table: string, term: string): number[] {
    const phrase = (text: string) => `"${text.replace(/"/g, '""')}"`;
    for (const window of textWindows(term)) {
      const rows = this.prepare<number>(`SELECT rowid FROM "${table}__text" WHERE body MATCH ? LIMIT ${TEXT_WINDOW_ENOUGH}`).pluck().all(phrase(window));
      if (rows.length < TEXT_WINDOW_ENOUGH) return rows;
    }
    return this.prepare<number>(`SELECT rowid FROM "${table}__text" WHERE body MATCH ?`).pluck().all(phrase(term));
  }

  /**
   * The triggers that keep a table's text index in step. An update re-indexes the row only when
   * its indexed text or its tombstone changed: most updates of a client's document (a type, a
   * policy, a bundle) leave the name and address alone, and deleting and inserting every trigram
   * of them was most of the pages a bulk type change wrote (bench/RESULTS.md, issue 23).
   * (Re)installed at every start, so a store made by an earlier version gets these ones.
   */
  private installTextTriggers(table: string, fields: readonly string[]): void {
    const fts = `${table}__text`;
    this.db.exec(`DROP TRIGGER IF EXISTS "${fts}_ai"; DROP TRIGGER IF EXISTS "${fts}_au"; DROP TRIGGER IF EXISTS "${fts}_ad";`);
    this.db.exec(`CREATE TRIGGER "${fts}_ai" AFTER INSERT ON "${table}" WHEN new.deleted = 0 BEGIN
      INSERT INTO "${fts}" (rowid, body) VALUES (new.rowid, ${textBody(fields, 'new')}); END`);
    this.db.exec(`CREATE TRIGGER "${fts}_au" AFTER UPDATE ON "${table}"
      WHEN old.deleted IS NOT new.deleted OR (${textBody(fields, 'old')}) IS NOT (${textBody(fields, 'new')}) BEGIN
      DELETE FROM "${fts}" WHERE rowid = old.rowid;
      INSERT INTO "${fts}" (rowid, body) SELECT new.rowid, ${textBody(fields, 'new')} WHERE new.deleted = 0; END`);
    this.db.exec(`CREATE TRIGGER "${fts}_ad" AFTER DELETE ON "${table}" BEGIN DELETE FROM "${fts}" WHERE rowid = old.rowid; END`);
  }

  /**
   * Every commit adds a segment to an FTS5 index, and a search seeks each trigram in every segment.
   * FTS5 merges a level once it holds `automerge` segments (4 by default); at 2 it keeps about half
   * as many, which made a whole-address search 3x cheaper with 10,000 clients added one by one, for
   * no more write time (bench/RESULTS.md, issue 23). Stored in the index's own config: set at every
   * start, so indexes made earlier get it too.
   */
  private tuneTextIndex(table: string): void {
    this.db.exec(`INSERT INTO "${table}__text" ("${table}__text", rank) VALUES ('automerge', 2)`);
  }

  private buildTextIndex(table: string, fields: readonly string[]): void {
    fields.forEach((field) => fieldExpression(field));
    const fts = `${table}__text`;
    this.db.exec(`DROP TABLE IF EXISTS "${fts}"`);
    this.db.exec(`CREATE VIRTUAL TABLE "${fts}" USING fts5(body, tokenize = 'trigram')`);
    this.installTextTriggers(table, fields);
    this.tuneTextIndex(table);
    this.db.exec(`INSERT INTO "${fts}" (rowid, body) SELECT rowid, ${textBody(fields, `"${table}"`)} FROM "${table}" WHERE deleted = 0`);
    this.db.exec('CREATE TABLE IF NOT EXISTS rm__text_indexes (table_name TEXT PRIMARY KEY, fields TEXT NOT NULL)');
    this.prepare('INSERT INTO rm__text_indexes (table_name, fields) VALUES (?, ?) ON CONFLICT (table_name) DO UPDATE SET fields = excluded.fields').run(
      table,
      JSON.stringify(fields),
    );
  }

  /**
   * Commits asked for in one turn of the event loop are applied together, in the order they were
   * asked for, in one transaction, each in a savepoint of its own: one that fails (a refused
   * version, a lost fence, a rebuild's swap) rolls back alone and rejects alone. Every processor
   * of a service writes here, and all of them handle the same new events in the same turn; one
   * transaction instead of one each was the largest cost of a bulk change (bench/RESULTS.md,
   * issue 23). None is answered before its transaction committed.
   */
  async commit(ops: readonly WriteOp[]): Promise<void> {
    // Create tables before the transaction: DDL inside it would work, but keeps the lock longer.
    for (const op of ops) this.table(op.op === 'checkpoint' || op.op === 'fence' ? CHECKPOINTS_COLLECTION : op.collection);
    // Inside a batch the batch is the transaction: a failed commit fails (and rolls back) all of it.
    if (this.db.inTransaction) return this.applyAll(ops);
    const mustSurvivePowerLoss = ops.some((op) => op.op === 'insert' || (op.op === 'delete' && op.version === undefined));
    for (const op of ops) {
      const table = this.table(op.op === 'checkpoint' || op.op === 'fence' ? CHECKPOINTS_COLLECTION : op.collection);
      let ids = this.queuedTables.get(table);
      if (!ids) this.queuedTables.set(table, (ids = new Set()));
      ids.add(op.op === 'checkpoint' || op.op === 'fence' ? op.processor : 'doc' in op ? op.doc.id : op.id);
    }
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ ops, mustSurvivePowerLoss, resolve, reject });
      if (this.queued.length === 1) setImmediate(() => this.flushCommits());
    });
  }

  /**
   * A read of a table that a queued commit writes applies the queue first: whoever reads after a
   * commit was asked for sees it, as when every commit applied at once (two processors that share
   * a collection rely on it). Reads of other tables, and reads of one document (`id`) that no queued
   * commit writes, leave the group to form: a new client's key is looked up while the keys of the
   * clients added just before it wait for their commit.
   */
  flushCommitsFor(table: string, id?: string): void {
    const ids = this.queuedTables.get(table);
    if (ids && (id === undefined || ids.has(id))) this.flushCommits();
  }

  /**
   * Applies the queued commits now (synchronously). Also called before any other write of this
   * connection (a batch, a swap, a drop, DDL, the close), so that they apply in the order asked.
   */
  private flushCommits(): void {
    const group = this.queued;
    if (group.length === 0) return;
    this.queued = [];
    this.queuedTables.clear();
    if (!this.db.open) {
      for (const commit of group) commit.reject(new Error('The read-model store is closed.'));
      return;
    }
    if (this.db.inTransaction) {
      // A batch began on this connection after they were asked for: as before grouping, they join it.
      for (const commit of group) {
        try {
          this.applyAll(commit.ops);
          commit.resolve();
        } catch (error) {
          commit.reject(error);
        }
      }
      return;
    }
    // The safety level is the group's: synced before it is answered when any of them cannot be rebuilt.
    const mustSurvivePowerLoss = group.some((commit) => commit.mustSurvivePowerLoss);
    let outcomes: unknown[];
    // Without a WAL to sync (':memory:'), FULL as before.
    const fullInCommit = mustSurvivePowerLoss && !this.wal;
    if (fullInCommit) this.db.pragma('synchronous = FULL');
    try {
      if (group.length === 1) {
        // A group of one needs no savepoint.
        try {
          this.applyInTransaction.immediate(group[0].ops);
          outcomes = [undefined];
        } catch (error) {
          outcomes = [error ?? new Error('commit failed')];
        }
      } else {
        outcomes = this.applyGroup.immediate(group.map((commit) => commit.ops));
      }
    } catch (error) {
      // The transaction itself failed (an I/O error, a lock held past the busy timeout): all of them did.
      for (const commit of group) commit.reject(error);
      return;
    } finally {
      if (fullInCommit) this.db.pragma('synchronous = NORMAL');
    }
    const answer = (error?: unknown) =>
      group.forEach((commit, i) => (outcomes[i] === undefined && error === undefined ? commit.resolve() : commit.reject(outcomes[i] ?? error)));
    if (mustSurvivePowerLoss && this.wal) {
      // Not answered before it is on disk; a failed sync answers with its error (nobody is told it is durable).
      this.wal.sync().then(
        () => answer(),
        (error: unknown) => answer(error),
      );
    } else answer();
    this.truncateWalAfterErasure();
  }

  /**
   * After a committed deletion (outside any transaction): checkpoint and truncate the WAL, so the
   * deleted rows' earlier versions leave it and the zeroed pages replace them in the file. Another
   * connection's reader or writer can hold the truncation back; rather than block the event loop
   * waiting for it, it is tried again a second later (and the last connection's close does it too).
   */
  private truncateWalAfterErasure(): void {
    if (this.erasedText.size > 0 && !this.textPurge && this.db.open) this.schedulePurge();
    if (!this.erased || !this.db.open || this.db.inTransaction) return;
    let busy = true;
    this.db.pragma('busy_timeout = 0');
    try {
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      busy = result?.busy !== 0;
    } catch (error) {
      if (!String((error as { code?: string }).code).startsWith('SQLITE_BUSY')) throw error;
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
    if (!busy) {
      this.erased = false;
      return;
    }
    this.truncateRetry ??= setTimeout(() => {
      this.truncateRetry = null;
      try {
        this.truncateWalAfterErasure();
      } catch {
        // An I/O error of a deferred checkpoint must not take the process down: `erased` stays
        // set, so the next deletion or the close tries again.
      }
    }, 1000).unref();
  }

  private applyAll(ops: readonly WriteOp[]): void {
    for (const op of ops) {
      try {
        this.apply(op);
      } catch (error) {
        // A unique index refused the write: same meaning as an insert of an existing id.
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && op.op !== 'checkpoint' && op.op !== 'fence') {
          throw new DuplicateDocumentError(op.collection, 'doc' in op ? op.doc.id : op.id);
        }
        throw error;
      }
    }
  }

  async getCheckpoint(processor: string): Promise<bigint | null> {
    this.flushCommitsFor(this.table(CHECKPOINTS_COLLECTION), processor);
    const row = this.prepare<{ doc: string }>(`SELECT doc FROM "${this.table(CHECKPOINTS_COLLECTION)}" WHERE id = ?`).get(
      checkpointId(processor),
    );
    if (!row) return null;
    const position = JSON.parse(row.doc).position as string | null;
    return position === null ? null : BigInt(position);
  }

  /**
   * One transaction, with a write-behind cache: a document upserted several times in the batch
   * (a client's ten events in a rebuild) is read from memory and written once, when the batch
   * commits. The cache applies the upsert's version guard exactly as the SQL does; every other
   * write, and any find or count, first writes the cached rows it could touch. A unique-index
   * violation therefore surfaces when the batch commits.
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    if (this.db.inTransaction) return work();
    this.flushCommits();
    this.db.exec('BEGIN IMMEDIATE');
    this.overlay = new Map();
    try {
      const result = await work();
      this.flushOverlay();
      this.db.exec('COMMIT');
      this.truncateWalAfterErasure();
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      // Tables created inside the batch are gone with it, and so is what a match inside it saw.
      this.tables.clear();
      this.tableOf.clear();
      this.lastTextMatch = null;
      throw error;
    } finally {
      this.overlay = null;
    }
  }

  /**
   * A document as the batch sees it; undefined outside a batch (read the table). The batch hands
   * out its cached object, not a copy: processors build new documents and never mutate what they
   * read (which the projections' twice-applied specs would catch).
   */
  cachedGet(table: string, id: string): Document | null | undefined {
    if (!this.overlay) return undefined;
    const row = this.cachedRow(table, id);
    if (!row.exists || row.deleted) return null;
    if (row.parsed === undefined) row.parsed = JSON.parse(row.doc!) as Document;
    return row.parsed;
  }

  /** Writes the batch's cached rows of a table (or of one document) before SQL reads or changes them. */
  flushOverlay(table?: string, id?: string): void {
    if (!this.overlay) return;
    for (const [name, rows] of this.overlay) {
      if (table !== undefined && name !== table) continue;
      const write = this.prepare(
        `INSERT INTO "${name}" (id, doc, version, deleted) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version, deleted = excluded.deleted`,
      );
      for (const [rowId, row] of rows) {
        if (id !== undefined && rowId !== id) continue;
        if (row.dirty) write.run(rowId, row.doc ?? JSON.stringify(row.parsed), row.version, row.deleted ? 1 : 0);
        if (id !== undefined) rows.delete(rowId);
        else row.dirty = false;
      }
    }
  }

  private cachedRow(table: string, id: string): CachedRow {
    let rows = this.overlay!.get(table);
    if (!rows) this.overlay!.set(table, (rows = new Map()));
    let row = rows.get(id);
    if (!row) {
      const stored = this.prepare<{ doc: string; version: string | null; deleted: number }>(`SELECT doc, version, deleted FROM "${table}" WHERE id = ?`).get(id);
      row = stored
        ? { exists: true, doc: stored.doc, version: stored.version, deleted: stored.deleted === 1, dirty: false }
        : { exists: false, doc: '{}', version: null, deleted: false, dirty: false };
      rows.set(id, row);
    }
    return row;
  }

  /**
   * One transaction: each replacement table takes the live table's name, and the live table's
   * indexes and text index are built again on it (same names, so the services' ensureIndexes find
   * them); then the checkpoints move. Other connections see the old tables or the new, never a mix.
   */
  async swapCollections(swaps: readonly CollectionSwap[], checkpoints: SwapCheckpoints): Promise<void> {
    this.flushCommits();
    for (const swap of swaps) {
      this.table(swap.live);
      this.table(swap.replacement);
    }
    this.table(CHECKPOINTS_COLLECTION);
    const indexSql = (table: string) =>
      this.db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`).all(table) as {
        name: string;
        sql: string;
      }[];
    this.db.transaction(() => {
      for (const processor of checkpoints.processors) {
        const row = this.prepare<{ doc: string }>(`SELECT doc FROM "${this.table(CHECKPOINTS_COLLECTION)}" WHERE id = ?`).get(checkpointId(processor));
        const live = row ? (JSON.parse(row.doc).position as string | null) : null;
        if (live !== null && BigInt(live) > checkpoints.position) throw new CheckpointAheadError(processor, BigInt(live));
      }
      for (const { live, replacement } of swaps) {
        const liveTable = this.table(live);
        const replacementTable = this.table(replacement);
        const indexes = indexSql(liveTable);
        const textFields = this.textIndexOf(liveTable);
        this.dropTextIndex(liveTable);
        this.dropTextIndex(replacementTable);
        this.db.exec(`DROP TABLE "${liveTable}"`);
        for (const index of indexSql(replacementTable)) this.db.exec(`DROP INDEX "${index.name}"`);
        this.db.exec(`ALTER TABLE "${replacementTable}" RENAME TO "${liveTable}"`);
        for (const index of indexes) this.db.exec(index.sql);
        if (textFields) this.buildTextIndex(liveTable, textFields);
      }
      for (const processor of checkpoints.processors) this.apply({ op: 'checkpoint', processor, position: checkpoints.position });
      for (const processor of checkpoints.reset ?? []) this.apply({ op: 'checkpoint', processor, position: null });
    }).immediate();
    this.tables.clear();
    this.statements.clear();
    this.lastTextMatch = null;
    // The dropped live tables held documents the rebuild no longer produces (erased ones among them).
    this.erased = true;
    this.truncateWalAfterErasure();
  }

  /**
   * FTS5 deletes by adding delete markers: a deleted document's trigrams, with their positions (from
   * which its text can be put together again), stay in the index's segments until a merge. An
   * 'optimize' rewrites the index into one segment without them (and secure_delete zeroes the old
   * segment pages). It takes time in the size of the index (85 ms at 20,000 documents, 0.4 s at
   * 100,000, nothing when nothing changed), so it runs once for a burst of deletions, a second
   * after the first one, or at the close. FTS5's own 'secure-delete' option would remove the entries
   * at each delete, but makes every update of an indexed document some 40 times slower.
   */
  private purgeErasedText(): void {
    if (this.textPurge) clearTimeout(this.textPurge);
    this.textPurge = null;
    if (this.erasedText.size === 0 || !this.db.open) return;
    if (this.db.inTransaction) return this.schedulePurge();
    for (const table of this.erasedText) {
      const fts = `${table}__text`;
      if (this.textIndexOf(table)) this.db.exec(`INSERT INTO "${fts}" ("${fts}") VALUES ('optimize')`);
    }
    this.erasedText.clear();
    this.erased = true;
    this.truncateWalAfterErasure();
  }

  private schedulePurge(): void {
    if (this.textPurge) clearTimeout(this.textPurge);
    this.textPurge = setTimeout(() => {
      this.textPurge = null;
      try {
        this.purgeErasedText();
      } catch {
        // Like a deferred checkpoint: the next deletion, the next start or the close tries again.
      }
    }, this.textPurgeDelayMs).unref();
  }

  private dropTextIndex(table: string): void {
    const fts = `${table}__text`;
    this.db.exec(`DROP TRIGGER IF EXISTS "${fts}_ai"; DROP TRIGGER IF EXISTS "${fts}_au"; DROP TRIGGER IF EXISTS "${fts}_ad"; DROP TABLE IF EXISTS "${fts}";`);
  }

  async dropCollection(name: string): Promise<void> {
    this.flushCommits();
    const table = this.table(name);
    this.db.exec(`DELETE FROM "${table}"`);
    this.lastTextMatch = null;
    this.erased = true;
    if (this.textIndexOf(table)) this.erasedText.add(table);
    this.truncateWalAfterErasure();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.truncateRetry) clearTimeout(this.truncateRetry);
    this.truncateRetry = null;
    if (!this.db.open) return;
    this.flushCommits();
    this.purgeErasedText();
    this.truncateWalAfterErasure();
    // The syncs in flight finish (and answer their commits) before the file closes.
    await this.wal?.close();
    if (this.db.open) this.db.close();
  }

  /** Internal to the adapter: prepared statements are cached by their SQL text. */
  prepare<Row = unknown>(sql: string): Database.Statement<unknown[], Row> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as Database.Statement<unknown[], Row>;
  }

  exec(sql: string): void {
    this.flushCommits();
    this.db.exec(sql);
  }

  private table(collection: string): string {
    const known = this.tableOf.get(collection);
    if (known !== undefined && this.tables.has(known)) return known;
    if (!COLLECTION_NAME.test(collection)) {
      throw new Error(`"${collection}" is not a valid collection name (lowercase letters, digits and _)`);
    }
    const table = `rm_${collection}`;
    if (!this.tables.has(table)) {
      this.db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (
        id      TEXT PRIMARY KEY,
        doc     TEXT NOT NULL,
        version TEXT,
        deleted INTEGER NOT NULL DEFAULT 0
      )`);
      this.tables.add(table);
    }
    this.tableOf.set(collection, table);
    return table;
  }

  private apply(op: WriteOp): void {
    if (this.overlay && op.op !== 'checkpoint' && op.op !== 'fence') {
      const table = this.table(op.collection);
      if (op.op === 'upsert') {
        assertDocument(op.doc);
        const row = this.cachedRow(table, op.doc.id);
        const version = op.version === undefined ? null : encodeVersion(op.version);
        // The same guard as the SQL below: a new row, or an older (or unversioned) stored one.
        if (!row.exists || row.version === null || version === null || row.version < version) {
          // Serialised once, when the batch writes it; JSON semantics (undefined fields dropped) are
          // kept by reading back a normalised copy only if it is read again.
          Object.assign(row, { exists: true, doc: undefined, parsed: normaliseDocument(op.doc), version: version ?? row.version, deleted: false, dirty: true });
        }
        return;
      }
      this.flushOverlay(table, 'doc' in op ? op.doc.id : op.id);
    }
    switch (op.op) {
      case 'upsert': {
        const table = this.table(op.collection);
        assertDocument(op.doc);
        this.prepare(
          `INSERT INTO "${table}" (id, doc, version, deleted) VALUES (?, ?, ?, 0)
           ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = COALESCE(excluded.version, version), deleted = 0
           WHERE version IS NULL OR excluded.version IS NULL OR version < excluded.version`,
        ).run(op.doc.id, JSON.stringify(op.doc), op.version === undefined ? null : encodeVersion(op.version));
        return;
      }
      case 'patch': {
        const table = this.table(op.collection);
        const entries = Object.entries(op.set).filter(([field]) => field !== 'id');
        if (entries.length === 0) return;
        const setters = entries.map(([field]) => {
          fieldExpression(field);
          return `'$.${field}', json(?)`;
        });
        const version = op.version === undefined ? null : encodeVersion(op.version);
        this.prepare(
          `UPDATE "${table}" SET doc = json_set(doc, ${setters.join(', ')}), version = COALESCE(?, version)
           WHERE id = ? AND deleted = 0 AND (version IS NULL OR ? IS NULL OR version < ?)`,
        ).run(...entries.map(([, value]) => JSON.stringify(value ?? null)), version, op.id, version, version);
        return;
      }
      case 'delete': {
        const table = this.table(op.collection);
        this.erased = true;
        if (this.textIndexOf(table)) this.erasedText.add(table);
        if (op.version === undefined) {
          this.prepare(`DELETE FROM "${table}" WHERE id = ?`).run(op.id);
          return;
        }
        this.prepare(
          `INSERT INTO "${table}" (id, doc, version, deleted) VALUES (?, '{}', ?, 1)
           ON CONFLICT (id) DO UPDATE SET doc = '{}', version = excluded.version, deleted = 1
           WHERE version IS NULL OR version < excluded.version`,
        ).run(op.id, encodeVersion(op.version));
        return;
      }
      case 'insert': {
        const table = this.table(op.collection);
        assertDocument(op.doc);
        const result = this.prepare(`INSERT OR IGNORE INTO "${table}" (id, doc, version, deleted) VALUES (?, ?, NULL, 0)`).run(
          op.doc.id,
          JSON.stringify(op.doc),
        );
        if (result.changes === 0) throw new DuplicateDocumentError(op.collection, op.doc.id);
        return;
      }
      case 'fence': {
        // Inside the commit's write transaction: no other writer runs between this check and the
        // rest of the commit, in this process or another.
        const table = this.table(CHECKPOINTS_COLLECTION);
        const id = fenceId(op.processor);
        const token = encodeVersion(op.token);
        const stored = this.prepare<{ version: string | null }>(`SELECT version FROM "${table}" WHERE id = ?`).get(id);
        if (stored?.version && stored.version > token) throw new FencedOffError(op.processor, op.token, BigInt(`0x${stored.version}`));
        if (stored?.version === token) return;
        this.prepare(
          `INSERT INTO "${table}" (id, doc, version, deleted) VALUES (?, ?, ?, 0)
           ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version`,
        ).run(id, JSON.stringify({ id, processor: op.processor, token: op.token.toString() }), token);
        return;
      }
      case 'checkpoint': {
        const table = this.table(CHECKPOINTS_COLLECTION);
        const id = checkpointId(op.processor);
        const doc = { id, processor: op.processor, position: op.position === null ? null : op.position.toString() };
        if (op.position === null) {
          // A reset (a rebuild starts over): unconditional.
          this.prepare(
            `INSERT INTO "${table}" (id, doc, version, deleted) VALUES (?, ?, NULL, 0)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = NULL`,
          ).run(id, JSON.stringify(doc));
          return;
        }
        // Checkpoints only move forward: a slower or stale writer cannot take one back.
        this.prepare(
          `INSERT INTO "${table}" (id, doc, version, deleted) VALUES (?, ?, ?, 0)
           ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version
           WHERE version IS NULL OR version < excluded.version`,
        ).run(id, JSON.stringify(doc), encodeVersion(op.position));
        return;
      }
    }
  }
}

class SqliteCollection<T extends Document> implements DocumentCollection<T> {
  constructor(
    private readonly store: SqliteDocumentStore,
    private readonly table: string,
    readonly name: string,
  ) {}

  async get(id: string): Promise<T | null> {
    this.store.flushCommitsFor(this.table, id);
    const cached = this.store.cachedGet(this.table, id);
    if (cached !== undefined) return cached as T | null;
    const row = this.store.prepare<{ doc: string }>(`SELECT doc FROM "${this.table}" WHERE id = ? AND deleted = 0`).get(id);
    return row ? (JSON.parse(row.doc) as T) : null;
  }

  async find(filter?: Filter, options: FindOptions = {}): Promise<T[]> {
    this.store.flushCommitsFor(this.table);
    this.store.flushOverlay(this.table);
    const params: unknown[] = [];
    const sql = `SELECT doc FROM ${this.source(filter, params).sql} WHERE deleted = 0 AND ${compileFilter(filter, params)} ORDER BY ${compileSort(options.sort)}${paging(options, params)}`;
    return this.store
      .prepare<{ doc: string }>(sql)
      .all(...params)
      .map((row) => JSON.parse(row.doc) as T);
  }

  /**
   * With a text search, the page and the count come from one read of the matches (a window count
   * over them, before the page is cut), instead of filtering the candidates once for the page and
   * again for the count (a small gain: most of a searched page is the trigram match, which both
   * already shared; bench/RESULTS.md, list-query). Without one, the page stops after its rows
   * through an index, and the count reads only an index: a window count would read every document
   * of the account instead, so those stay two reads.
   */
  async findPage(filter: Filter | undefined, options: FindOptions): Promise<Page<T>> {
    this.store.flushCommitsFor(this.table);
    this.store.flushOverlay(this.table);
    const params: unknown[] = [];
    const source = this.source(filter, params);
    if (!source.searched) return findAndCount(this, filter, options);
    const sql = `SELECT doc, COUNT(*) OVER () AS total FROM ${source.sql} WHERE deleted = 0 AND ${compileFilter(filter, params)} ORDER BY ${compileSort(options.sort)}${paging(options, params)}`;
    const rows = this.store.prepare<{ doc: string; total: number }>(sql).all(...params);
    // A page past the end has no row to carry the count.
    if (rows.length === 0) return { items: [], total: (options.skip ?? 0) > 0 ? await this.count(filter) : 0 };
    return { items: rows.map((row) => JSON.parse(row.doc) as T), total: rows[0].total };
  }

  async count(filter?: Filter): Promise<number> {
    this.store.flushCommitsFor(this.table);
    this.store.flushOverlay(this.table);
    const params: unknown[] = [];
    const row = this.store
      .prepare<{ n: number }>(`SELECT COUNT(*) AS n FROM ${this.source(filter, params).sql} WHERE deleted = 0 AND ${compileFilter(filter, params)}`)
      .get(...params);
    return row?.n ?? 0;
  }

  async ensureTextIndex(fields: readonly string[]): Promise<void> {
    this.store.createTextIndex(this.table, fields);
  }

  /**
   * Where rows come from: the table, or, when a substring search can use the text index, the
   * index's few candidates first (CROSS JOIN keeps SQLite from scanning a whole account through
   * another index instead). The filter itself still decides every row.
   */
  private source(filter: Filter | undefined, params: unknown[]): { sql: string; searched: boolean } {
    const textFields = this.store.textIndexOf(this.table);
    const term = textFields && filter ? searchTerm(filter, textFields) : null;
    if (term === null) return { sql: `"${this.table}"`, searched: false };
    params.push(this.store.textMatches(this.table, term));
    return { sql: `(SELECT value AS hit FROM json_each(?)) AS hits CROSS JOIN "${this.table}" ON "${this.table}".rowid = hits.hit`, searched: true };
  }

  async ensureIndexes(indexes: readonly IndexSpec[]): Promise<void> {
    for (const index of indexes) {
      const name = `${this.table}__${index.fields.map(([field, direction]) => `${field.replace(/\./g, '_')}_${direction === -1 ? 'd' : 'a'}`).join('__')}${index.unique ? '__unique' : ''}`;
      const columns = index.fields.map(([field, direction]) => `${fieldExpression(field)} ${direction === -1 ? 'DESC' : 'ASC'}`);
      // Unique indexes ignore tombstones, so a deleted document never blocks a new one.
      this.store.exec(
        index.unique
          ? `CREATE UNIQUE INDEX IF NOT EXISTS "${name}" ON "${this.table}" (${columns.join(', ')}) WHERE deleted = 0`
          : `CREATE INDEX IF NOT EXISTS "${name}" ON "${this.table}" (${columns.join(', ')})`,
      );
    }
  }
}

/** LIMIT and OFFSET, when asked for (a negative limit means none, a negative offset counts as 0). */
function paging(options: FindOptions, params: unknown[]): string {
  if (options.limit === undefined && options.skip === undefined) return '';
  params.push(options.limit ?? -1, options.skip ?? 0);
  return ' LIMIT ? OFFSET ?';
}

/**
 * The term of a `$contains`, or of an `$or` of `$contains` with one term, on text-indexed fields:
 * then every match contains the term, and the trigram index finds the candidates (3+ characters).
 */
function searchTerm(filter: Filter, textFields: readonly string[]): string | null {
  const containsOn = (sub: Filter): { field: string; term: string } | null => {
    const entries = Object.entries(sub);
    if (entries.length !== 1) return null;
    const [field, condition] = entries[0];
    if (!textFields.includes(field) || condition === null || typeof condition !== 'object' || Array.isArray(condition)) return null;
    const keys = Object.keys(condition);
    const term = (condition as { $contains?: unknown }).$contains;
    return keys.length === 1 && typeof term === 'string' ? { field, term } : null;
  };
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$or' && Array.isArray(value) && value.length > 0) {
      const parts = value.map(containsOn);
      if (parts.every((p) => p !== null) && new Set(parts.map((p) => p!.term)).size === 1) return usable(parts[0]!.term);
    } else if (key !== '$and') {
      const part = containsOn({ [key]: value } as Filter);
      if (part) return usable(part.term);
    }
  }
  return null;
}

/** A window that matches fewer rows than this is selective enough to give a search's candidates. */
const TEXT_WINDOW_ENOUGH = 64;
/** Six characters: four trigrams, few seeks, and rare in most addresses and names. */
const TEXT_WINDOW_CHARS = 6;
/** Windows tried before the whole term: each costs a few seeks, a common one stops at the limit. */
const TEXT_WINDOWS_TRIED = 6;

/**
 * The windows of a long search term to try first: substrings of TEXT_WINDOW_CHARS characters that
 * overlap by two, so that together they hold every trigram of the term. None for a term barely
 * longer than a window: the whole term is as cheap.
 */
export function textWindows(term: string): string[] {
  const chars = [...term];
  if (chars.length <= TEXT_WINDOW_CHARS + 3) return [];
  const windows: string[] = [];
  for (let start = 0; start + TEXT_WINDOW_CHARS <= chars.length && windows.length < TEXT_WINDOWS_TRIED; start += TEXT_WINDOW_CHARS - 2) {
    windows.push(chars.slice(start, start + TEXT_WINDOW_CHARS).join(''));
  }
  return windows;
}

function usable(term: string): string | null {
  return [...term].length >= 3 ? term : null;
}

interface CachedRow {
  exists: boolean;
  /** The stored JSON, until the batch replaces the document (then `parsed` holds it). */
  doc?: string;
  parsed?: Document;
  version: string | null;
  deleted: boolean;
  dirty: boolean;
}

function assertDocument(doc: Document): void {
  if (typeof doc.id !== 'string' || doc.id.length === 0) throw new Error('a document needs a non-empty string id');
}

/** The text a row's search index holds: its fields' values, space-separated (`row`: new, old or a table). */
function textBody(fields: readonly string[], row: string): string {
  // Field names go into SQL here: only valid field paths (fieldExpression throws otherwise).
  fields.forEach((field) => fieldExpression(field));
  return fields.map((field) => `coalesce(json_extract(${row}.doc, '$.${field}'), '')`).join(" || ' ' || ");
}
