import { normaliseDocument } from '../plain-json';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { UnavailableError } from '@clientele/platform/core';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
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
  findAndCount,
  WriteOp,
  checkpointId,
  fenceId,
} from '../document-store.port';
import {
  IndexDefinition,
  ParameterList,
  SqlDialect,
  btreeDefinition,
  compileFilter,
  compileSort,
  fieldPathArray,
  indexBody,
  textDefinition,
} from './postgres-filter';

export interface PostgresDocumentStoreOptions {
  /** A PostgreSQL connection string (postgres://user@host:5432/database). */
  connectionString: string;
  /** The schema that holds this store's tables (one per service); created and migrated on open. */
  schema: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  applicationName?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,62}$/;
/** A table's primary key is named `<table>_pkey`: both must fit PostgreSQL's 63-byte identifiers. */
const MAX_TABLE_NAME = 63 - '_pkey'.length;

/** Upserts of one commit written with one statement at most (a rebuild's commits are small). */
const MAX_UPSERTS_PER_STATEMENT = 500;

const UNIQUE_VIOLATION = '23505';
const UNDEFINED_TABLE = '42P01';
const DUPLICATE_TABLE = '42P07';
const DUPLICATE_SCHEMA = '42P06';
const DUPLICATE_OBJECT = '42710';
const DEADLOCK_DETECTED = '40P01';
const SERIALIZATION_FAILURE = '40001';

/**
 * Versioned migrations of a store's schema, applied in order under an advisory lock so that
 * replicas starting together apply each exactly once. Never edit one that has shipped: add another.
 * Collection tables are created on first use, with `collectionTableSql`.
 */
const MIGRATIONS: ReadonlyArray<{ version: number; description: string; sql: (schema: string) => string[] }> = [
  {
    version: 1,
    description: 'checkpoints and fencing tokens',
    sql: (schema) => [collectionTableSql(schema, tableName(CHECKPOINTS_COLLECTION))],
  },
  {
    version: 2,
    description: 'patches of nested fields',
    // SQLite's json_set creates the missing objects on a nested path, and changes nothing when a
    // value that is not an object is in the way; jsonb_set only sets the last key of a path
    // whose parents all exist.
    sql: (schema) => [
      `CREATE OR REPLACE FUNCTION ${qualified(schema, 'rm_set_path')}(target jsonb, path text[], value jsonb) RETURNS jsonb
       LANGUAGE plpgsql IMMUTABLE AS $$
       BEGIN
         FOR depth IN 1 .. coalesce(array_length(path, 1), 0) - 1 LOOP
           IF target #> path[1:depth] IS NULL THEN
             target := jsonb_set(target, path[1:depth], '{}'::jsonb);
           ELSIF jsonb_typeof(target #> path[1:depth]) <> 'object' THEN
             RETURN target;
           END IF;
         END LOOP;
         RETURN jsonb_set(target, path, value);
       END $$`,
    ],
  },
];

function collectionTableSql(schema: string, table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (
    id      text COLLATE "C" NOT NULL,
    doc     jsonb NOT NULL,
    version numeric,
    deleted boolean NOT NULL DEFAULT false,
    CONSTRAINT ${quoteIdent(`${table}_pkey`)} PRIMARY KEY (id)
  )`;
}

/** One query runner: a pooled connection per query, or the connection of a batch or transaction. */
interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

interface BatchState {
  client: PoolClient;
  /** Commits inside the batch run one at a time (their statements must not interleave). */
  tail: Promise<unknown>;
  /** The error of a commit that failed inside the batch: the batch cannot commit any more. */
  failed: unknown;
  /** False once the batch ended: a callback it scheduled that runs later uses the pool. */
  open: boolean;
  /** Documents read or upserted in the batch, by collection and id: written back before it commits. */
  overlay: Map<string, Map<string, CachedRow>>;
}

/** A document as the batch sees it. */
interface CachedRow {
  exists: boolean;
  doc: Document | null;
  version: bigint | null;
  deleted: boolean;
  /** Changed in the batch and not written yet. */
  dirty: boolean;
}

/**
 * Read models in PostgreSQL: one table per collection in the service's schema
 * (`<schema>.rm_<collection>`: id, doc jsonb, version numeric, deleted), the mirror of the SQLite
 * adapter. Each commit is one transaction holding its documents, its checkpoint and its fencing
 * token; versions are numerics, so they compare as numbers up to any size.
 *
 * Erasure: a deleted document leaves a tombstone holding only its id and version (doc `{}`), or no
 * row at all (an unversioned delete). PostgreSQL keeps the old row versions in the table's pages
 * until VACUUM reclaims them (autovacuum, or an explicit VACUUM after an erasure; docs/ERASURE.md),
 * and the WAL until it is recycled; dropCollection truncates, which frees the files at once.
 */
export class PostgresDocumentStore implements DocumentStore {
  readonly transactional = true;
  /** Tables known to exist (created on first use). */
  private readonly tables = new Set<string>();
  private readonly batches = new AsyncLocalStorage<BatchState>();
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly dialect: SqlDialect,
    /** The pg_trgm operator class, qualified with the schema the extension lives in. */
    private readonly trigramOperatorClass: string,
  ) {}

  static async open(options: PostgresDocumentStoreOptions): Promise<PostgresDocumentStore> {
    if (!SCHEMA_NAME.test(options.schema)) {
      throw new Error(`"${options.schema}" is not a valid schema name (lowercase letters, digits and _)`);
    }
    const poolSize = options.poolSize ?? 10;
    // A batch holds one connection for its whole transaction and creates tables on another.
    if (!Number.isInteger(poolSize) || poolSize < 2) throw new Error(`the PostgreSQL document store needs a pool of 2 connections or more (got ${poolSize})`);
    const pool = new Pool({
      connectionString: options.connectionString,
      max: poolSize,
      application_name: options.applicationName ?? 'clientele-document-store',
      // A server that does not answer at all (down, or a network partition) must give a caller a
      // 503 in a bounded time, as the event store does, not hold the request until the OS gives up.
      connectionTimeoutMillis: 5000,
    });
    // An idle connection the server closed (a restart, pg_terminate_backend) is dropped by the
    // pool, which opens another for the next query: not a reason to take the process down.
    pool.on('error', () => undefined);
    try {
      await migrate(pool, options.schema);
      const { rows } = await pool.query<{ extension_schema: string; icu: boolean }>(
        `SELECT (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm') AS extension_schema,
                EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') AS icu`,
      );
      // ICU folds every Unicode letter whatever the database's locale; without ICU, the database's
      // default collation (a UTF-8 locale folds them too; "C" only folds ASCII).
      const dialect: SqlDialect = { caseFolding: rows[0].icu ? 'pg_catalog."und-x-icu"' : 'pg_catalog."default"' };
      return new PostgresDocumentStore(pool, options.schema, dialect, `${quoteIdent(rows[0].extension_schema)}.gin_trgm_ops`);
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  collection<T extends Document = Document>(name: string): DocumentCollection<T> {
    return new PostgresCollection<T>(this, tableName(name), name);
  }

  async commit(ops: readonly WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    const tables = new Set(ops.map((op) => tableName(op.op === 'checkpoint' || op.op === 'fence' ? CHECKPOINTS_COLLECTION : op.collection)));
    const batch = this.currentBatch();
    if (batch) {
      // Validate first: an invalid op fails the commit before any of it is applied.
      for (const op of ops) if (op.op === 'upsert') assertDocument(op.doc);
      const planned = ops.map((op) => (op.op === 'upsert' ? null : this.plan([op])));
      await this.withTables([...tables], () => this.inBatch(batch, () => this.commitInBatch(batch, ops, planned)));
      return;
    }
    // Validate and build every statement first: an invalid op fails the commit before it starts.
    const planned = this.plan(ops);
    await this.withTables([...tables], () => this.transaction((db) => runAll(db, planned)));
  }

  /** A commit inside a batch: upserts into the batch's memory, every other op in SQL after what it could touch. */
  private async commitInBatch(batch: BatchState, ops: readonly WriteOp[], planned: ReadonlyArray<PlannedOp[] | null>): Promise<void> {
    for (const [index, op] of ops.entries()) {
      if (op.op === 'upsert') {
        const row = await this.cachedRow(batch, op.collection, op.doc.id);
        const version = op.version === undefined ? null : BigInt(versionParameter(op.version)!);
        // The SQL's guard: a new row, or an older (or unversioned) stored one; a tombstone too.
        if (!row.exists || row.version === null || version === null || row.version < version) {
          Object.assign(row, { exists: true, doc: normaliseDocument(op.doc), version: version ?? row.version, deleted: false, dirty: true });
        }
        continue;
      }
      if (op.op !== 'checkpoint' && op.op !== 'fence') {
        await this.flushOverlay(batch, op.collection);
        // SQL changes the row now: the batch reads it again if it needs it.
        batch.overlay.get(op.collection)?.delete('doc' in op ? op.doc.id : op.id);
      } else {
        batch.overlay.delete(CHECKPOINTS_COLLECTION);
      }
      await runAll(batch.client, planned[index]!);
    }
  }

  /** A document of the batch: from its memory, or read once in its transaction. */
  private async cachedRow(batch: BatchState, collection: string, id: string): Promise<CachedRow> {
    let rows = batch.overlay.get(collection);
    if (!rows) batch.overlay.set(collection, (rows = new Map()));
    const cached = rows.get(id);
    if (cached) return cached;
    const { rows: stored } = await batch.client.query<{ doc: Document; version: string | null; deleted: boolean }>(
      `SELECT doc, version::text AS version, deleted FROM ${this.qualified(tableName(collection))} WHERE id = $1`,
      [id],
    );
    const row: CachedRow = stored[0]
      ? { exists: true, doc: stored[0].doc, version: stored[0].version === null ? null : BigInt(stored[0].version), deleted: stored[0].deleted, dirty: false }
      : { exists: false, doc: null, version: null, deleted: false, dirty: false };
    rows.set(id, row);
    return row;
  }

  /**
   * Inside a batch, the document as the batch sees it (null: none, or deleted); undefined outside
   * one. Reads wait for the batch's commits before them, like its SQL does.
   */
  async batchGet(collection: string, id: string): Promise<Document | null | undefined> {
    const batch = this.currentBatch();
    if (!batch) return undefined;
    const row = await this.withTables([tableName(collection)], () => this.inBatch(batch, () => this.cachedRow(batch, collection, id)));
    return row.exists && !row.deleted ? row.doc : null;
  }

  /** Inside a batch, writes what it holds of a collection before SQL reads it (a find, a count). */
  async flushBatch(collection: string): Promise<void> {
    const batch = this.currentBatch();
    if (batch) await this.inBatch(batch, () => this.flushOverlay(batch, collection));
  }

  /** Writes the batch's changed documents (of one collection, or all), many rows per statement. */
  private async flushOverlay(batch: BatchState, only?: string): Promise<void> {
    for (const [collection, rows] of batch.overlay) {
      if (only !== undefined && collection !== only) continue;
      const dirty = [...rows].filter(([, row]) => row.dirty);
      for (let start = 0; start < dirty.length; start += MAX_UPSERTS_PER_STATEMENT) {
        const chunk = dirty.slice(start, start + MAX_UPSERTS_PER_STATEMENT);
        try {
          // The guard was applied in memory against the row the batch read: write what it decided.
          await batch.client.query(
            `INSERT INTO ${this.qualified(tableName(collection))} AS t (id, doc, version, deleted)
             SELECT u.id, u.doc, u.version, false FROM unnest($1::text[], $2::jsonb[], $3::numeric[]) AS u (id, doc, version)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version, deleted = false`,
            [chunk.map(([id]) => id), chunk.map(([, row]) => JSON.stringify(row.doc)), chunk.map(([, row]) => (row.version === null ? null : row.version.toString()))],
          );
        } catch (error) {
          if (pgCode(error) === UNIQUE_VIOLATION) throw new DuplicateDocumentError(collection, chunk[0][0]);
          throw error;
        }
        for (const [, row] of chunk) row.dirty = false;
      }
    }
  }

  async getCheckpoint(processor: string): Promise<bigint | null> {
    const table = tableName(CHECKPOINTS_COLLECTION);
    const { rows } = await this.withTables([table], () =>
      this.runner().query<{ position: string | null }>(`SELECT doc ->> 'position' AS position FROM ${this.qualified(table)} WHERE id = $1`, [
        checkpointId(processor),
      ]),
    );
    const position = rows[0]?.position ?? null;
    return position === null ? null : BigInt(position);
  }

  /**
   * Runs `work` with its commits (and its reads) in one transaction on a connection of its own,
   * so a rebuild writes a page of events at once and reads its own writes. Only the work's own
   * async calls join it: other callers of this store keep using the pool meanwhile, and see the
   * batch once it commits. As in SQLite, a commit that fails inside a batch fails the whole
   * batch (no savepoints: thousands of subtransactions in one transaction slow down every other
   * session's snapshots once they overflow the per-backend cache).
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    // Write-behind, as in SQLite: a document upserted several times in the batch (a client's ten
    // events in a rebuild) is read once, kept in memory with the upsert's version guard applied
    // exactly as the SQL applies it, and written once, in statements of many rows, before the
    // batch commits. Every other write to a collection, and any find or count of it, first writes
    // what the batch holds of it. A unique index refusing a document therefore fails the batch
    // when it writes back, as it would have failed it at the upsert.
    if (this.currentBatch()) return work();
    const client = await this.connect();
    const state: BatchState = { client, tail: Promise.resolve(), failed: undefined, open: true, overlay: new Map() };
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await this.batches.run(state, work);
      await state.tail;
      if (state.failed !== undefined) throw state.failed;
      await this.flushOverlay(state);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = await rollback(client);
      throw asStoreError(error);
    } finally {
      state.open = false;
      release(client, broken);
    }
  }

  /**
   * One transaction: each replacement table takes the live table's name, with indexes built like
   * the live one's (before the transaction, so readers wait only for renames), and the checkpoints
   * move. PostgreSQL's DDL is transactional: other sessions see the old tables or the new ones,
   * never a mix and never none (a query waiting on the dropped table's lock looks the name up
   * again once it gets it).
   */
  async swapCollections(swaps: readonly CollectionSwap[], checkpoints: SwapCheckpoints): Promise<void> {
    const pairs = swaps.map(({ live, replacement }) => ({ live: tableName(live), replacement: tableName(replacement) }));
    const checkpointsTable = tableName(CHECKPOINTS_COLLECTION);
    await this.withTables([checkpointsTable, ...pairs.flatMap((pair) => [pair.live, pair.replacement])], async () => {
      for (const { live, replacement } of pairs) {
        for (const definition of await this.indexDefinitions(this.runner(), live)) await this.createIndex(replacement, definition);
      }
      await this.transaction(async (db) => {
        // Tables first, then checkpoint rows: the order a live commit takes them in, so the two
        // wait for each other instead of deadlocking.
        const locked = [...new Set(pairs.flatMap((pair) => [pair.live, pair.replacement]))].sort();
        if (locked.length > 0) await db.query(`LOCK TABLE ${locked.map((table) => this.qualified(table)).join(', ')} IN ACCESS EXCLUSIVE MODE`);
        for (const processor of checkpoints.processors) {
          const { rows } = await db.query<{ position: string | null }>(
            `SELECT doc ->> 'position' AS position FROM ${this.qualified(checkpointsTable)} WHERE id = $1 FOR UPDATE`,
            [checkpointId(processor)],
          );
          const live = rows[0]?.position ?? null;
          if (live !== null && BigInt(live) > checkpoints.position) throw new CheckpointAheadError(processor, BigInt(live));
        }
        for (const { live, replacement } of pairs) {
          const wanted = new Map((await this.indexDefinitions(db, live)).map((definition) => [indexName(live, definition), definition]));
          const built = await this.indexes(db, replacement);
          await db.query(`DROP TABLE ${this.qualified(live)}`);
          await db.query(`ALTER TABLE ${this.qualified(replacement)} RENAME TO ${quoteIdent(live)}`);
          await db.query(`ALTER TABLE ${this.qualified(live)} RENAME CONSTRAINT ${quoteIdent(`${replacement}_pkey`)} TO ${quoteIdent(`${live}_pkey`)}`);
          for (const index of built) {
            const name = index.definition ? indexName(live, index.definition) : null;
            if (name !== null && wanted.has(name)) {
              await db.query(`ALTER INDEX ${this.qualified(index.name)} RENAME TO ${quoteIdent(name)}`);
              wanted.delete(name);
            } else {
              await db.query(`DROP INDEX ${this.qualified(index.name)}`);
            }
          }
          // Declared on the live table meanwhile (nothing normally): built here, under the lock.
          for (const definition of wanted.values()) await this.createIndex(live, definition, db);
        }
        const moves: WriteOp[] = [
          ...checkpoints.processors.map((processor) => ({ op: 'checkpoint' as const, processor, position: checkpoints.position })),
          ...(checkpoints.reset ?? []).map((processor) => ({ op: 'checkpoint' as const, processor, position: null })),
        ];
        await runAll(
          db,
          moves.map((op) => ({ op, statements: this.statementsFor(op) })),
        );
      });
    });
    // The replacement tables are gone (renamed): the next use creates them afresh.
    for (const { replacement } of pairs) this.tables.delete(replacement);
  }

  /** Empties a collection at once: TRUNCATE also hands the table's files back (erasure). */
  async dropCollection(name: string): Promise<void> {
    const table = tableName(name);
    this.currentBatch()?.overlay.delete(name);
    await this.withTables([table], () => this.runner().query(`TRUNCATE ${this.qualified(table)}`));
  }

  async ping(): Promise<void> {
    await this.runner()
      .query('SELECT 1')
      .catch((error: unknown) => {
        throw asStoreError(error);
      });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // ---- internal to the adapter (used by PostgresCollection) ----

  qualified(table: string): string {
    return qualified(this.schema, table);
  }

  get sqlDialect(): SqlDialect {
    return this.dialect;
  }

  /** The batch's connection inside a batch, the pool otherwise. */
  runner(): Queryable {
    return this.currentBatch()?.client ?? this.pool;
  }

  private currentBatch(): BatchState | undefined {
    const batch = this.batches.getStore();
    return batch?.open ? batch : undefined;
  }

  /**
   * Makes sure the tables exist, then runs `work`; runs it once more when a table it used was
   * dropped meanwhile (a shadow collection swapped in by another process).
   */
  async withTables<T>(tables: readonly string[], work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        for (const table of tables) await this.ensureTable(table);
        return await work();
      } catch (error) {
        if (pgCode(error) !== UNDEFINED_TABLE || attempt > 1 || this.currentBatch()) throw asStoreError(error);
        for (const table of tables) this.tables.delete(table);
      }
    }
  }

  async ensureIndex(table: string, definition: IndexDefinition): Promise<void> {
    await this.withTables([table], async () => {
      if (definition.kind === 'text') {
        // One text index per collection: declaring other fields replaces it.
        for (const index of await this.indexes(this.runner(), table)) {
          if (index.definition?.kind === 'text' && index.name !== indexName(table, definition)) {
            await this.runner().query(`DROP INDEX IF EXISTS ${this.qualified(index.name)}`);
          }
        }
      }
      await this.createIndex(table, definition);
    });
  }

  /**
   * Always on a pooled connection of its own, committed at once, even inside a batch: a table
   * created in a batch's transaction would be invisible to every other session until the batch
   * commits, and any of them creating it too would wait for that (the batch holds a second
   * connection for this; see `open`).
   */
  private async ensureTable(table: string): Promise<void> {
    if (this.tables.has(table)) return;
    await ignoringCatalogRaces(() => this.pool.query(collectionTableSql(this.schema, table)));
    this.tables.add(table);
  }

  /**
   * Creates an index unless one with its name exists. The name is a hash of the table and the
   * definition; the definition itself is the index's comment, which a swap reads back to build
   * the same index on the replacement table. The catalog is checked first: CREATE INDEX IF NOT
   * EXISTS would still wait for a lock on the table, behind any long write (a rebuild's batch).
   */
  private async createIndex(table: string, definition: IndexDefinition, db: Queryable = this.runner()): Promise<void> {
    const name = indexName(table, definition);
    const { rowCount } = await db.query(
      `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [this.schema, name],
    );
    if (rowCount) return;
    const unique = definition.kind === 'btree' && definition.unique ? 'UNIQUE ' : '';
    const create = `CREATE ${unique}INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${this.qualified(table)} ${indexBody(definition, this.dialect, this.trigramOperatorClass)}`;
    const comment = `COMMENT ON INDEX ${this.qualified(name)} IS ${quoteLiteral(JSON.stringify(definition))}`;
    // Existing documents that break a new unique index fail it with PostgreSQL's own error (as
    // SQLite's does): it names the index and the duplicated key.
    await ignoringCatalogRaces(async () => {
      if (db !== this.pool) {
        await db.query(create);
        await db.query(comment);
        return;
      }
      // Index and comment together, so a concurrent swap never finds an index it cannot rebuild.
      await this.transaction(async (tx) => {
        await tx.query(create);
        await tx.query(comment);
      });
    });
  }

  /** The table's indexes other than its primary key, each with the definition it was built from. */
  private async indexes(db: Queryable, table: string): Promise<Array<{ name: string; definition: IndexDefinition | null }>> {
    const { rows } = await db.query<{ name: string; comment: string | null }>(
      `SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND t.relname = $2 AND NOT i.indisprimary
        ORDER BY c.relname`,
      [this.schema, table],
    );
    return rows.map((row) => ({ name: row.name, definition: parseDefinition(row.comment) }));
  }

  private async indexDefinitions(db: Queryable, table: string): Promise<IndexDefinition[]> {
    return (await this.indexes(db, table)).flatMap((index) => (index.definition ? [index.definition] : []));
  }

  /**
   * Runs `work` in a transaction: on a connection of its own (retried after a deadlock or a
   * serialization failure, which roll everything back), or inside the current batch's.
   */
  private async transaction<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
    const batch = this.currentBatch();
    if (batch) return this.inBatch(batch, () => work(batch.client));
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        broken = await rollback(client);
        const code = pgCode(error);
        if ((code === DEADLOCK_DETECTED || code === SERIALIZATION_FAILURE) && attempt < 3) continue;
        throw error;
      } finally {
        release(client, broken);
      }
    }
  }

  /** One commit inside a batch: after the ones before it; a failure poisons the batch. */
  private inBatch<T>(batch: BatchState, work: () => Promise<T>): Promise<T> {
    const run = batch.tail.then(async () => {
      if (batch.failed !== undefined) throw batch.failed;
      try {
        return await work();
      } catch (error) {
        batch.failed = error;
        throw error;
      }
    });
    batch.tail = run.catch(() => undefined);
    return run;
  }

  private async connect(): Promise<PoolClient> {
    const client = await this.pool.connect();
    // A checked-out connection that the server closes between two queries emits 'error'; the
    // query in flight (or the next one) fails with it, and the connection is discarded.
    client.on('error', ignoreError);
    return client;
  }

  /**
   * The statements of a commit. Consecutive upserts into one collection become one INSERT ...
   * SELECT FROM unnest(...) with the same guard: one round trip instead of one per document. A
   * statement cannot touch a row twice, so a repeated id starts a new group (the writes keep
   * their order). A unique index refusing one document of a group fails the commit with a
   * DuplicateDocumentError naming the group's first id (PostgreSQL's error names the key, not the row).
   */
  private plan(ops: readonly WriteOp[]): PlannedOp[] {
    const planned: PlannedOp[] = [];
    let upserts: Array<Extract<WriteOp, { op: 'upsert' }>> = [];
    let ids = new Set<string>();
    const flush = () => {
      if (upserts.length === 1) planned.push({ op: upserts[0], statements: this.statementsFor(upserts[0]) });
      else if (upserts.length > 1) planned.push({ op: upserts[0], statements: [this.upsertMany(upserts)] });
      upserts = [];
      ids = new Set();
    };
    for (const op of ops) {
      if (op.op !== 'upsert') {
        flush();
        planned.push({ op, statements: this.statementsFor(op) });
        continue;
      }
      assertDocument(op.doc);
      if (upserts.length > 0 && (upserts[0].collection !== op.collection || ids.has(op.doc.id) || upserts.length >= MAX_UPSERTS_PER_STATEMENT)) flush();
      upserts.push(op);
      ids.add(op.doc.id);
    }
    flush();
    return planned;
  }

  private upsertMany(upserts: ReadonlyArray<Extract<WriteOp, { op: 'upsert' }>>): PreparedStatement {
    return {
      text: `INSERT INTO ${this.qualified(tableName(upserts[0].collection))} AS t (id, doc, version, deleted)
             SELECT u.id, u.doc, u.version, false FROM unnest($1::text[], $2::jsonb[], $3::numeric[]) AS u (id, doc, version)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = COALESCE(excluded.version, t.version), deleted = false
             WHERE t.version IS NULL OR excluded.version IS NULL OR t.version < excluded.version`,
      values: [upserts.map((op) => op.doc.id), upserts.map((op) => JSON.stringify(op.doc)), upserts.map((op) => versionParameter(op.version))],
    };
  }

  /** The statements of one op (validated now), each with what its outcome means. */
  private statementsFor(op: WriteOp): PreparedStatement[] {
    switch (op.op) {
      case 'upsert': {
        assertDocument(op.doc);
        const table = this.qualified(tableName(op.collection));
        return [
          {
            text: `INSERT INTO ${table} AS t (id, doc, version, deleted) VALUES ($1, $2::jsonb, $3::numeric, false)
                   ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = COALESCE(excluded.version, t.version), deleted = false
                   WHERE t.version IS NULL OR excluded.version IS NULL OR t.version < excluded.version`,
            values: [op.doc.id, JSON.stringify(op.doc), versionParameter(op.version)],
          },
        ];
      }
      case 'patch': {
        const table = this.qualified(tableName(op.collection));
        const entries = Object.entries(op.set).filter(([field]) => field !== 'id');
        if (entries.length === 0) return [];
        const params = new ParameterList();
        let doc = 'doc';
        for (const [field, value] of entries) {
          const path = fieldPathArray(field);
          const setter = path.length === 1 ? 'jsonb_set' : this.qualified('rm_set_path');
          doc = `${setter}(${doc}, ${params.add(path, 'text[]')}, ${params.add(JSON.stringify(value ?? null), 'jsonb')})`;
        }
        const version = params.add(versionParameter(op.version), 'numeric');
        const id = params.add(op.id, 'text');
        return [
          {
            text: `UPDATE ${table} SET doc = ${doc}, version = COALESCE(${version}, version)
                   WHERE id = ${id} AND NOT deleted AND (version IS NULL OR ${version} IS NULL OR version < ${version})`,
            values: params.values,
          },
        ];
      }
      case 'delete': {
        const table = this.qualified(tableName(op.collection));
        if (op.version === undefined) return [{ text: `DELETE FROM ${table} WHERE id = $1`, values: [op.id] }];
        // The tombstone keeps the id and the version only: the document itself is gone.
        return [
          {
            text: `INSERT INTO ${table} AS t (id, doc, version, deleted) VALUES ($1, '{}'::jsonb, $2::numeric, true)
                   ON CONFLICT (id) DO UPDATE SET doc = '{}'::jsonb, version = excluded.version, deleted = true
                   WHERE t.version IS NULL OR t.version < excluded.version`,
            values: [op.id, versionParameter(op.version)],
          },
        ];
      }
      case 'insert': {
        assertDocument(op.doc);
        const table = this.qualified(tableName(op.collection));
        return [
          {
            text: `INSERT INTO ${table} (id, doc, version, deleted) VALUES ($1, $2::jsonb, NULL, false) ON CONFLICT (id) DO NOTHING`,
            values: [op.doc.id, JSON.stringify(op.doc)],
            // Any row with this id, a tombstone included.
            check: (result) => {
              if (result.rowCount === 0) throw new DuplicateDocumentError(op.collection, op.doc.id);
            },
          },
        ];
      }
      case 'fence': {
        const table = this.qualified(tableName(CHECKPOINTS_COLLECTION));
        const id = fenceId(op.processor);
        // Raises the stored token unless it is higher, and holds the row's lock until the commit
        // ends: no other commit of this processor, in any process, runs between the check and the
        // rest of this one.
        return [
          {
            text: `INSERT INTO ${table} AS t (id, doc, version, deleted) VALUES ($1, $2::jsonb, $3::numeric, false)
                   ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version
                   WHERE t.version IS NULL OR t.version <= excluded.version
                   RETURNING version`,
            values: [id, JSON.stringify({ id, processor: op.processor, token: op.token.toString() }), op.token.toString()],
            check: async (result, db) => {
              if (result.rowCount !== 0) return;
              const { rows } = await db.query<{ version: string }>(`SELECT version::text AS version FROM ${table} WHERE id = $1`, [id]);
              throw new FencedOffError(op.processor, op.token, BigInt(rows[0]?.version ?? '0'));
            },
          },
        ];
      }
      case 'checkpoint': {
        const table = this.qualified(tableName(CHECKPOINTS_COLLECTION));
        const id = checkpointId(op.processor);
        const doc = JSON.stringify({ id, processor: op.processor, position: op.position === null ? null : op.position.toString() });
        if (op.position === null) {
          // A reset (a rebuild starts over): unconditional.
          return [
            {
              text: `INSERT INTO ${table} (id, doc, version, deleted) VALUES ($1, $2::jsonb, NULL, false)
                     ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = NULL`,
              values: [id, doc],
            },
          ];
        }
        // Checkpoints only move forward: a slower or stale writer cannot take one back.
        return [
          {
            text: `INSERT INTO ${table} AS t (id, doc, version, deleted) VALUES ($1, $2::jsonb, $3::numeric, false)
                   ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version
                   WHERE t.version IS NULL OR t.version < excluded.version`,
            values: [id, doc, op.position.toString()],
          },
        ];
      }
    }
  }
}

class PostgresCollection<T extends Document> implements DocumentCollection<T> {
  constructor(
    private readonly store: PostgresDocumentStore,
    private readonly table: string,
    readonly name: string,
  ) {}

  async get(id: string): Promise<T | null> {
    const inBatch = await this.store.batchGet(this.name, id);
    if (inBatch !== undefined) return inBatch as T | null;
    const { rows } = await this.store.withTables([this.table], () =>
      this.store.runner().query<{ doc: T }>(`SELECT doc FROM ${this.store.qualified(this.table)} WHERE id = $1 AND NOT deleted`, [id]),
    );
    return rows[0]?.doc ?? null;
  }

  async find(filter?: Filter, options: FindOptions = {}): Promise<T[]> {
    const params = new ParameterList();
    let sql = `SELECT doc FROM ${this.store.qualified(this.table)} WHERE NOT deleted AND ${compileFilter(filter, params, this.store.sqlDialect)} ORDER BY ${compileSort(options.sort)}`;
    // Same paging as the SQLite adapter: a negative limit means none, a negative offset counts as 0.
    if (options.limit !== undefined && options.limit >= 0) sql += ` LIMIT ${params.add(Math.floor(options.limit), 'bigint')}`;
    if (options.skip !== undefined && options.skip > 0) sql += ` OFFSET ${params.add(Math.floor(options.skip), 'bigint')}`;
    await this.store.flushBatch(this.name);
    const { rows } = await this.store.withTables([this.table], () => this.store.runner().query<{ doc: T }>(sql, params.values));
    return rows.map((row) => row.doc);
  }

  findPage(filter: Filter | undefined, options: FindOptions): Promise<Page<T>> {
    return findAndCount(this, filter, options);
  }

  async count(filter?: Filter): Promise<number> {
    const params = new ParameterList();
    const sql = `SELECT count(*)::bigint AS n FROM ${this.store.qualified(this.table)} WHERE NOT deleted AND ${compileFilter(filter, params, this.store.sqlDialect)}`;
    await this.store.flushBatch(this.name);
    const { rows } = await this.store.withTables([this.table], () => this.store.runner().query<{ n: string }>(sql, params.values));
    return Number(rows[0]?.n ?? 0);
  }

  async ensureIndexes(indexes: readonly IndexSpec[]): Promise<void> {
    for (const index of indexes) await this.store.ensureIndex(this.table, btreeDefinition(index));
  }

  /** A pg_trgm GIN index over the lower-cased fields: `$contains` of 3+ characters uses it. */
  async ensureTextIndex(fields: readonly string[]): Promise<void> {
    await this.store.ensureIndex(this.table, textDefinition(fields));
  }
}

interface QueryOutcome {
  rowCount: number | null;
}

interface PreparedStatement {
  text: string;
  values: unknown[];
  /** Turns an outcome into the port's error (an insert that met an existing id, a stale fence). */
  check?: (result: QueryOutcome, db: Queryable) => void | Promise<void>;
}

interface PlannedOp {
  op: WriteOp;
  statements: PreparedStatement[];
}

async function runAll(db: Queryable, planned: PlannedOp[]): Promise<void> {
  for (const { op, statements } of planned) {
    for (const statement of statements) {
      try {
        const result = await db.query(statement.text, statement.values);
        await statement.check?.(result, db);
      } catch (error) {
        // A unique index refused the write: same meaning as an insert of an existing id.
        if (pgCode(error) === UNIQUE_VIOLATION && op.op !== 'checkpoint' && op.op !== 'fence') {
          throw new DuplicateDocumentError(op.collection, 'doc' in op ? op.doc.id : op.id);
        }
        throw error;
      }
    }
  }
}

async function migrate(pool: Pool, schema: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    client.on('error', ignoreError);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // One migration at a time per schema, across every process starting now; the lock goes
      // with the transaction.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('clientele.document-store'), hashtext($1))`, [schema]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      // Database-wide, and shared with other schemas (whose migrations hold other locks): two
      // creating it at once make one fail on the catalog, and retry.
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      await client.query(`CREATE TABLE IF NOT EXISTS ${qualified(schema, 'rm__migrations')} (
        version     integer PRIMARY KEY,
        description text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${qualified(schema, 'rm__migrations')}`);
      const current = rows[0]?.version ?? 0;
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        for (const sql of migration.sql(schema)) await client.query(sql);
        await client.query(`INSERT INTO ${qualified(schema, 'rm__migrations')} (version, description) VALUES ($1, $2)`, [
          migration.version,
          migration.description,
        ]);
      }
      await client.query('COMMIT');
      return;
    } catch (error) {
      broken = await rollback(client);
      if (isCatalogRace(error) && attempt < 5) continue;
      throw error;
    } finally {
      release(client, broken);
    }
  }
}

/**
 * CREATE ... IF NOT EXISTS is not atomic against another session creating the same object: the
 * loser fails on the catalog's unique index (or with "already exists"). The object exists then.
 */
async function ignoringCatalogRaces(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!isCatalogRace(error)) throw error;
  }
}

function isCatalogRace(error: unknown): boolean {
  const code = pgCode(error);
  if (code === DUPLICATE_TABLE || code === DUPLICATE_SCHEMA || code === DUPLICATE_OBJECT) return true;
  // A unique violation on a catalog (pg_namespace, pg_type, pg_class, pg_extension), not on a table of ours.
  return code === UNIQUE_VIOLATION && /^pg_/.test(String((error as { table?: string }).table ?? (error as { constraint?: string }).constraint ?? ''));
}

/** Network failures, and the server states that say "not now" (shutting down, starting, full, terminated). */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '53300']);

/**
 * The server could not be reached, or ended the connection (a restart, pg_terminate_backend): an
 * UnavailableError, a 503 that a caller may retry (every write is version-guarded or fenced, and
 * a commit lost with its connection was rolled back). It used to surface as the driver's own
 * error, a 500 (the production rehearsal found it). Anything else stays as it is.
 */
function asStoreError(error: unknown): unknown {
  if (error instanceof UnavailableError) return error;
  const code = pgCode(error) ?? '';
  const message = error instanceof Error ? error.message : '';
  if (
    UNAVAILABLE_CODES.has(code) ||
    code.startsWith('08') ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(message)
  ) {
    const unavailable = new UnavailableError('The read models (PostgreSQL) could not be reached; try again shortly.');
    (unavailable as { cause?: unknown }).cause = error;
    return unavailable;
  }
  return error;
}

async function rollback(client: PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    // The connection is unusable (closed by the server): the pool must not hand it out again.
    return error instanceof Error ? error : new Error(String(error));
  }
}

function release(client: PoolClient, broken: Error | undefined): void {
  client.off('error', ignoreError);
  client.release(broken);
}

function ignoreError(): void {
  // See PostgresDocumentStore.connect.
}

function parseDefinition(comment: string | null): IndexDefinition | null {
  if (!comment) return null;
  try {
    const parsed = JSON.parse(comment) as IndexDefinition;
    return parsed && (parsed.kind === 'btree' || parsed.kind === 'text') ? parsed : null;
  } catch {
    return null;
  }
}

/** Deterministic per table and definition, and short enough for any table name. */
function indexName(table: string, definition: IndexDefinition): string {
  const digest = createHash('sha256').update(`${table}\n${JSON.stringify(definition)}`).digest('hex').slice(0, 24);
  return `${definition.kind === 'text' ? 'rm_tx_' : 'rm_ix_'}${digest}`;
}

function tableName(collection: string): string {
  if (!COLLECTION_NAME.test(collection)) {
    throw new Error(`"${collection}" is not a valid collection name (lowercase letters, digits and _)`);
  }
  const table = `rm_${collection}`;
  if (table.length > MAX_TABLE_NAME) throw new Error(`"${collection}" is too long for a PostgreSQL collection (at most ${MAX_TABLE_NAME - 3} characters)`);
  return table;
}

function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function versionParameter(version: bigint | number | undefined): string | null {
  if (version === undefined) return null;
  const value = BigInt(version);
  if (value < 0n) throw new Error('versions cannot be negative');
  return value.toString();
}

function pgCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

function assertDocument(doc: Document): void {
  if (typeof doc.id !== 'string' || doc.id.length === 0) throw new Error('a document needs a non-empty string id');
}
