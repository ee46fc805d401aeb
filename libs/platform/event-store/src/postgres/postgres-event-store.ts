import { UnavailableError } from '@clientele/platform/core';
import { EventEmitter } from 'node:events';
import { Client, Pool } from 'pg';
import type { QueryResultRow } from 'pg';
import { WrongExpectedRevisionError } from '../errors';
import {
  AppendOptions,
  AppendResult,
  EventFilter,
  EventHandler,
  EventStore,
  ExpectedRevision,
  GlobalPosition,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamRevision,
  SubscribeOptions,
  Subscription,
  streamCategory,
} from '../event-store.port';
import { pollingSubscription } from '../polling-subscription';
import { Migration, assertSchemaName, migrateSchema, quoteIdentifier } from './postgres-migrations';
import { decodePostgresPosition, encodePostgresPosition } from './postgres-position';

/** The longest a subscriber waits between looks while committed events are hidden by an open transaction. */
const HIDDEN_EVENTS_MAX_BACKOFF_MS = 1000;

export interface PostgresEventStoreOptions {
  /** e.g. `postgres://clientele:secret@db:5432/clientele`. */
  connectionString: string;
  /** The service's own schema (its name, e.g. `clients`), created and migrated on open. */
  schema: string;
  /** Most connections the store's pool opens (default 10). */
  poolSize?: number;
  /** Shown in pg_stat_activity, so an operator can tell the services' connections apart. */
  applicationName?: string;
  /** Subscribers look for new events at least this often; a NOTIFY wakes them sooner (default 500). */
  pollIntervalMs?: number;
  /**
   * `headPosition` waits at most this long for transactions that began before a committed event
   * to finish, so that the head covers everything committed before the call (default 5000).
   */
  headWaitMs?: number;
  /** `ping` and new connections fail after this many milliseconds without an answer (default 5000). */
  connectTimeoutMs?: number;
}

/** Anything that runs a query: the store's pool, or a client inside a caller's transaction. */
export interface Queryable {
  query<Row extends QueryResultRow>(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: Row[] }>;
}

interface EventRow {
  transaction_id: string;
  seq: string;
  event_id: string;
  stream_name: string;
  revision: string;
  type: string;
  data: RecordedEvent['data'];
  metadata: RecordedEvent['metadata'];
  recorded_at: Date;
}

interface AppendRow {
  outcome: 'appended' | 'duplicate' | 'conflict';
  stream_revision: string;
  transaction_id: string | null;
  seq: string | null;
}

/**
 * The schema's history. Version 1: the events table and the two functions every write goes
 * through, so that an append is one round trip and one transaction.
 *
 * - Positions: `transaction_id` (the appending transaction's xid8) and `seq` (an identity taken
 *   row by row), ordered as a pair; see `encodePostgresPosition` and `readAll`.
 * - Events are stored as `json`, not `jsonb`: the text as written (key order kept, and `\u0000`
 *   accepted, which jsonb refuses), and nothing here queries inside them.
 * - `category` has its own column so that category filters use an index.
 */
export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events table, append and delete functions',
    sql: ({ identifier: s, literal }) => `
      CREATE TABLE ${s}.events (
        transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
        seq            bigint      GENERATED ALWAYS AS IDENTITY,
        event_id       text        NOT NULL,
        stream_name    text        NOT NULL,
        category       text        NOT NULL,
        revision       bigint      NOT NULL,
        type           text        NOT NULL,
        data           json        NOT NULL,
        metadata       json        NOT NULL,
        recorded_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_pkey PRIMARY KEY (transaction_id, seq),
        CONSTRAINT events_event_id_key UNIQUE (event_id),
        CONSTRAINT events_stream_revision_key UNIQUE (stream_name, revision)
      );
      CREATE INDEX events_by_category ON ${s}.events (category, transaction_id, seq);
      CREATE INDEX events_by_type ON ${s}.events (type, transaction_id, seq);

      -- One append. Appends to a stream take turns on an advisory lock, and take their
      -- transaction id (the first insert) only once their turn came: so a stream's revisions and
      -- its events' positions grow together. Outcomes: appended; duplicate (every event id is
      -- already in this stream: a retried append, nothing written); conflict (wrong expected
      -- revision, or event ids already used elsewhere).
      CREATE FUNCTION ${s}.append_events(
        p_stream_name text,
        p_category    text,
        p_expected    text,
        p_event_ids   text[],
        p_types       text[],
        p_data        json[],
        p_metadata    json[]
      ) RETURNS TABLE (outcome text, stream_revision bigint, transaction_id xid8, seq bigint)
      LANGUAGE plpgsql
      -- A plan cached while the table was small (a sequential scan) would stay as it grows.
      SET plan_cache_mode = force_custom_plan
      AS $fn$
      #variable_conflict use_column
      DECLARE
        v_current    bigint;
        v_found      integer;
        v_found_here integer;
        v_count      integer := cardinality(p_event_ids);
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended(${literal} || ':' || p_stream_name, 0));
        SELECT coalesce(max(e.revision), -1) INTO v_current FROM ${s}.events e WHERE e.stream_name = p_stream_name;
        SELECT count(*), count(*) FILTER (WHERE e.stream_name = p_stream_name) INTO v_found, v_found_here
          FROM ${s}.events e WHERE e.event_id = ANY (p_event_ids);
        IF v_found > 0 THEN
          IF v_found = v_count AND v_found_here = v_found THEN
            RETURN QUERY SELECT 'duplicate'::text, v_current, e.transaction_id, e.seq FROM ${s}.events e
              WHERE e.event_id = ANY (p_event_ids) ORDER BY e.transaction_id DESC, e.seq DESC LIMIT 1;
          ELSE
            RETURN QUERY SELECT 'conflict'::text, v_current, NULL::xid8, NULL::bigint;
          END IF;
          RETURN;
        END IF;
        IF NOT (p_expected = 'any'
                OR (p_expected = 'no_stream' AND v_current = -1)
                OR (p_expected = 'stream_exists' AND v_current <> -1)
                OR (p_expected ~ '^-?[0-9]{1,18}$' AND p_expected::bigint = v_current)) THEN
          RETURN QUERY SELECT 'conflict'::text, v_current, NULL::xid8, NULL::bigint;
          RETURN;
        END IF;
        RETURN QUERY
          WITH inserted AS (
            INSERT INTO ${s}.events AS e (event_id, stream_name, category, revision, type, data, metadata)
            SELECT i.event_id, p_stream_name, p_category, v_current + i.ordinal, i.type, i.data, i.metadata
              FROM unnest(p_event_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS i(event_id, type, data, metadata, ordinal)
             ORDER BY i.ordinal
            RETURNING e.seq
          )
          SELECT 'appended'::text, v_current + v_count, pg_current_xact_id(), max(inserted.seq) FROM inserted;
      END
      $fn$;

      -- Takes the stream's turn too, so an append running meanwhile lands wholly before or after.
      CREATE FUNCTION ${s}.delete_stream(p_stream_name text) RETURNS void
      LANGUAGE plpgsql
      SET plan_cache_mode = force_custom_plan
      AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended(${literal} || ':' || p_stream_name, 0));
        DELETE FROM ${s}.events WHERE stream_name = p_stream_name;
      END
      $fn$;
    `,
  },
];

/**
 * The one statement of an append: call it as the first write of its transaction (on its own, it is
 * its own transaction), so that the transaction id it takes comes after the stream's turn.
 * Exported for the contract suite, which holds such a transaction open to make commits overlap.
 */
export async function appendInTransaction(
  db: Queryable,
  schema: string,
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): Promise<AppendResult> {
  if (events.length === 0) throw new Error('appendToStream needs at least one event');
  let row: AppendRow;
  try {
    ({
      rows: [row],
    } = await db.query<AppendRow>({
      name: `clientele_append_events:${schema}`,
      text: `SELECT outcome, stream_revision, transaction_id::text AS transaction_id, seq
               FROM ${quoteIdentifier(schema)}.append_events($1, $2, $3, $4, $5, $6, $7)`,
      values: [
        streamName,
        streamCategory(streamName),
        String(expected),
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata ?? {})),
      ],
    }));
  } catch (error) {
    // A race the function's checks cannot see (the same event id appended to two streams at once,
    // or a deadlock between such appends): the writer reloads and decides again, as for any conflict.
    if (isConflict(error)) throw new WrongExpectedRevisionError(streamName, expected, await currentRevision(db, schema, streamName));
    throw asStoreError(error);
  }
  const revision = Number(row.stream_revision);
  if (row.outcome === 'conflict') throw new WrongExpectedRevisionError(streamName, expected, revision === -1 ? 'no_stream' : revision);
  return {
    nextExpectedRevision: revision,
    position: encodePostgresPosition({ transactionId: BigInt(row.transaction_id!), sequence: BigInt(row.seq!) }),
  };
}

async function currentRevision(db: Queryable, schema: string, streamName: string): Promise<StreamRevision | 'no_stream'> {
  const { rows } = await db.query<{ revision: string | null }>({
    text: `SELECT max(revision) AS revision FROM ${quoteIdentifier(schema)}.events WHERE stream_name = $1`,
    values: [streamName],
  });
  return rows[0]?.revision == null ? 'no_stream' : Number(rows[0].revision);
}

/**
 * Event store on PostgreSQL (node-postgres), one schema per service.
 *
 * Global order without gaps under concurrent writers: a position is (transaction id, sequence),
 * and `readAll`, subscriptions and `headPosition` see only events whose transaction id is below
 * the oldest transaction still running (`pg_snapshot_xmin(pg_current_snapshot())`). A transaction
 * that took a smaller position but commits later is therefore always read before anything after
 * it: a reader never moves its checkpoint past an event that may still appear. (A sequence alone
 * is wrong: a writer that took 1 can commit after one that took 2, and a reader past 2 never sees
 * 1.) The price: while any transaction that wrote something is open on the server (in any database
 * of the cluster, as xids are the cluster's), new events wait for it before readers see them; keep
 * transactions short (idle_in_transaction_session_timeout helps).
 *
 * Subscribers poll (the source of truth); a NOTIFY sent after each append's commit wakes those of
 * other processes early. It is sent after the commit, not in the appending transaction: a
 * transaction that notifies holds a cluster-wide lock through its commit, which would make every
 * append wait for the previous one's disk flush.
 */
export class PostgresEventStore implements EventStore {
  private readonly appended = new EventEmitter();
  private readonly identifier: string;
  private readonly channel: string;
  private readonly pollIntervalMs: number;
  private readonly headWaitMs: number;
  private readonly connectTimeoutMs: number;
  private listener: Client | undefined;
  private listenerFailedAt = 0;
  private notifying = false;
  private notifyAgain = false;
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    private readonly options: PostgresEventStoreOptions,
  ) {
    this.identifier = quoteIdentifier(options.schema);
    this.channel = `${options.schema}.events`;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.headWaitMs = options.headWaitMs ?? 5000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.appended.setMaxListeners(0);
  }

  /** Connects, creates the schema and brings it to the current version (safe with replicas starting at once). */
  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    assertSchemaName(options.schema);
    const pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      application_name: options.applicationName,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      keepAlive: true,
      // Statements are prepared once per connection, and PostgreSQL may keep a generic plan chosen
      // while the table was small (a sequential scan) until the next ANALYZE. That is what slowed
      // the append function down as the table grew (a 100-event batch from 19 to 108 ms within 600
      // appends, until the function was planned per call too): plan every execution.
      options: '-c plan_cache_mode=force_custom_plan',
    });
    // An idle connection the server ended (a restart, pg_terminate_backend) is dropped by the pool,
    // which emits the error: without a listener it would end the process. The next query opens a
    // new connection, or fails and says so to its caller.
    pool.on('error', () => undefined);
    try {
      await migrateSchema(pool, options.schema, EVENT_STORE_MIGRATIONS, 'event store');
      await assertTransactionIdsAhead(pool, options.schema);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw asStoreError(error);
    }
    return new PostgresEventStore(pool, options);
  }

  async appendToStream(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const result = await appendInTransaction(this.pool, this.options.schema, streamName, events, options.expectedRevision);
    this.announceAppend();
    return result;
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const values: unknown[] = [streamName, options.maxCount ?? null];
    let from = '';
    if (options.fromRevision !== undefined) {
      values.push(options.fromRevision);
      from = backwards ? ' AND revision <= $3' : ' AND revision >= $3';
    }
    return this.queryEvents(
      `SELECT ${EVENT_COLUMNS} FROM ${this.identifier}.events
        WHERE stream_name = $1${from}
        ORDER BY revision ${backwards ? 'DESC' : 'ASC'}
        LIMIT $2`,
      values,
    );
  }

  /**
   * Like the head, a read waits (at most `headWaitMs`) for events committed before the call that
   * an older open transaction still hides, so that a caller reads what it appended: the visible
   * part alone would be correct but could be empty right after an append while another
   * transaction anywhere on the cluster is open. Subscriptions poll the visible part without waiting.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    await this.waitForHiddenEvents();
    return this.readVisible(options);
  }

  private async waitForHiddenEvents(): Promise<void> {
    const deadline = Date.now() + this.headWaitMs;
    while (!this.closed && Date.now() < deadline) {
      const {
        rows: [row],
      } = await this.query<{ hidden: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${this.identifier}.events WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) AS hidden`,
        [],
      );
      if (!row.hidden) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async readVisible(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = decodePostgresPosition(options.after ?? 0n);
    const values: unknown[] = [after.transactionId.toString(), after.sequence.toString(), options.maxCount ?? null];
    const filters = sqlFilter(options.filter, values);
    // ORDER BY names the table's column: a bare `transaction_id` would be the output column of
    // EVENT_COLUMNS, its text, which sorts "100" before "99" (and cannot use the primary key).
    return this.queryEvents(
      `SELECT ${EVENT_COLUMNS} FROM ${this.identifier}.events
        WHERE (transaction_id, seq) > ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())${filters}
        ORDER BY events.transaction_id, events.seq
        LIMIT $3`,
      values,
    );
  }

  /**
   * The newest event readers can see. Events committed by transactions that are still behind an
   * older open one are not visible yet (see the class); the head waits for those (at most
   * `headWaitMs`), so that it covers every event committed before the call and a caller that
   * waits for its projections to reach it waits for all of them. Past the wait it answers what is
   * visible: everything after it will still be delivered after it.
   */
  async headPosition(): Promise<GlobalPosition | null> {
    const deadline = Date.now() + this.headWaitMs;
    for (;;) {
      const {
        rows: [row],
      } = await this.query<{ transaction_id: string | null; seq: string | null; pending: boolean }>(
        `WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
         SELECT head.transaction_id::text AS transaction_id, head.seq,
                EXISTS (SELECT 1 FROM ${this.identifier}.events e, horizon WHERE e.transaction_id >= horizon.xmin) AS pending
           FROM horizon
           LEFT JOIN LATERAL (
             SELECT e.transaction_id, e.seq FROM ${this.identifier}.events e
              WHERE e.transaction_id < horizon.xmin
              ORDER BY e.transaction_id DESC, e.seq DESC LIMIT 1
           ) head ON true`,
        [],
      );
      if (!row.pending || Date.now() >= deadline || this.closed) {
        return row.transaction_id === null ? null : encodePostgresPosition({ transactionId: BigInt(row.transaction_id), sequence: BigInt(row.seq!) });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Catch-up-then-live by polling `readAll`. When a wait begins while committed events are still
   * hidden behind an older open transaction, the subscriber looks again soon (20 ms, doubling up to
   * a second) rather than a whole interval later: that transaction's commit may wake nobody
   * (another service's, whose NOTIFY goes to its own channel, or any transaction of the cluster,
   * since transaction ids are the cluster's), and it may stay open for long.
   */
  subscribeToAll(handler: EventHandler, options: SubscribeOptions = {}): Subscription {
    let backoffMs = 0;
    // Asked before each read, not after it: events hidden at the read and visible by a later
    // question would otherwise look like "nothing hidden", and the subscriber would sleep a whole
    // interval with them waiting (the end of an older transaction wakes nobody). Asked before,
    // whatever the read could not see was either hidden already (a short wait follows) or
    // committed since, and then announced since: an announcement from the question on means
    // "read again at once".
    let hiddenBeforeRead = false;
    let appendedSinceQuestion = false;
    const mark = () => {
      appendedSinceQuestion = true;
    };
    const subscription = pollingSubscription(
      {
        readAll: async (o) => {
          this.appended.off('append', mark);
          appendedSinceQuestion = false;
          this.appended.on('append', mark);
          hiddenBeforeRead = await this.hasHiddenEvents();
          return this.readVisible(o);
        },
        waitForAppend: async (ms) => {
          this.appended.off('append', mark);
          if (appendedSinceQuestion) return;
          backoffMs = hiddenBeforeRead ? Math.min(ms, HIDDEN_EVENTS_MAX_BACKOFF_MS, backoffMs === 0 ? 20 : backoffMs * 2) : 0;
          await this.waitForAppend(hiddenBeforeRead ? backoffMs : ms);
        },
      },
      handler,
      { ...options, pollIntervalMs: this.pollIntervalMs },
    );
    return {
      done: subscription.done,
      stop: () => {
        this.appended.off('append', mark);
        const stopped = subscription.stop();
        // Ends the wait the subscription may be in now, instead of letting it run its course.
        this.appended.emit('append');
        return stopped;
      },
    };
  }

  async deleteStream(streamName: string): Promise<void> {
    await this.query(`SELECT ${this.identifier}.delete_stream($1)`, [streamName]);
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UnavailableError(`The event store did not answer within ${this.connectTimeoutMs} ms.`)), this.connectTimeoutMs);
    });
    try {
      await Promise.race([this.query('SELECT 1', [], { prepared: false }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appended.emit('append');
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  private async queryEvents(text: string, values: unknown[]): Promise<RecordedEvent[]> {
    const { rows } = await this.query<EventRow>(text, values);
    return rows.map(toRecordedEvent);
  }

  /** Statements are prepared once per connection, named after their text. */
  private async query<Row extends QueryResultRow>(text: string, values: unknown[], { prepared = true } = {}): Promise<{ rows: Row[] }> {
    try {
      return await this.pool.query<Row>({ text, values, ...(prepared ? { name: statementName(text) } : {}) });
    } catch (error) {
      throw asStoreError(error);
    }
  }

  /** Wakes this process's subscribers now, and other processes' through NOTIFY (best effort: they poll anyway). */
  private announceAppend(): void {
    this.appended.emit('append');
    if (this.closed) return;
    if (this.notifying) {
      // Appends that finish while a NOTIFY is on its way share the next one.
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    this.pool
      .query('SELECT pg_notify($1, NULL)', [this.channel])
      .catch(() => undefined)
      .finally(() => {
        this.notifying = false;
        if (this.notifyAgain && !this.closed) {
          this.notifyAgain = false;
          this.announceAppend();
        }
      });
  }

  /** Whether some committed events are not visible yet, held back by an older transaction still open. */
  private async hasHiddenEvents(): Promise<boolean> {
    if (this.closed) return false;
    try {
      const { rows } = await this.query<{ hidden: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${this.identifier}.events WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) AS hidden`,
        [],
      );
      return rows[0].hidden;
    } catch {
      // Unknown (a busy server, a connection lost): look again soon rather than sleep a whole
      // interval; the next read reports a lasting failure to the subscriber.
      return true;
    }
  }

  private waitForAppend(ms: number): Promise<void> {
    this.listen();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.appended.off('append', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.appended.on('append', done);
    });
  }

  /**
   * One connection LISTENing for other processes' appends, opened with the first subscriber's
   * wait. When it breaks, the next wait (at least a second later) opens another; meanwhile
   * subscribers poll, so nothing is missed, only seen a poll interval later.
   */
  private listen(): void {
    if (this.listener || this.closed || Date.now() - this.listenerFailedAt < 1000) return;
    const listener = new Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName,
      connectionTimeoutMillis: this.connectTimeoutMs,
      keepAlive: true,
    });
    this.listener = listener;
    const drop = () => {
      if (this.listener !== listener) return;
      this.listener = undefined;
      this.listenerFailedAt = Date.now();
      listener.end().catch(() => undefined);
    };
    listener.on('notification', () => this.appended.emit('append'));
    listener.on('error', drop);
    listener.on('end', drop);
    listener
      .connect()
      .then(() => listener.query(`LISTEN ${quoteIdentifier(this.channel)}`))
      // Closed while connecting: nobody is left to listen for.
      .then(() => (this.closed ? listener.end() : undefined))
      .catch(drop);
  }
}

/**
 * Positions start with the writer's transaction id, so the server's transaction ids must be ahead
 * of every stored one. They are not after a logical restore (pg_dump, pg_restore) into another
 * cluster: its counter starts lower, readers would not see the restored events until it passes
 * them, and new events would sort before them. Refuse to start rather than serve that.
 */
async function assertTransactionIdsAhead(pool: Pool, schema: string): Promise<void> {
  const {
    rows: [row],
  } = await pool.query<{ newest: string | null; next: string }>(
    `SELECT (SELECT transaction_id FROM ${quoteIdentifier(schema)}.events ORDER BY transaction_id DESC, seq DESC LIMIT 1)::text AS newest,
            pg_snapshot_xmax(pg_current_snapshot())::text AS next`,
  );
  if (row.newest !== null && BigInt(row.newest) >= BigInt(row.next)) {
    const epoch = (BigInt(row.newest) >> 32n) + 1n;
    throw new Error(
      `The events in schema ${schema} were written by transactions up to ${row.newest}, but this server is only at ${row.next}: they were restored from another cluster with pg_dump. Restore a physical backup (pg_basebackup, point-in-time recovery) instead, or move this cluster's transaction ids past them (stop it, then pg_resetwal --epoch=${epoch}) before starting Clientele.`,
    );
  }
}

const EVENT_COLUMNS = 'transaction_id::text AS transaction_id, seq, event_id, stream_name, revision, type, data, metadata, recorded_at';

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    streamName: row.stream_name,
    revision: Number(row.revision),
    position: encodePostgresPosition({ transactionId: BigInt(row.transaction_id), sequence: BigInt(row.seq) }),
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}

/** Filters as SQL over their indexed columns; values are appended to `values`. */
function sqlFilter(filter: EventFilter | undefined, values: unknown[]): string {
  let sql = '';
  if (filter?.streamCategories) {
    values.push(filter.streamCategories);
    sql += ` AND category = ANY ($${values.length}::text[])`;
  }
  if (filter?.eventTypes) {
    values.push(filter.eventTypes);
    sql += ` AND type = ANY ($${values.length}::text[])`;
  }
  return sql;
}

/** A prepared statement's name: at most 63 bytes, the same for the same text. */
function statementName(key: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return `clientele_es_${hash.toString(16)}_${key.length}`;
}

/** unique_violation, serialization_failure, deadlock_detected. */
const CONFLICT_STATES = new Set(['23505', '40001', '40P01']);

function isConflict(error: unknown): boolean {
  return CONFLICT_STATES.has((error as { code?: string })?.code ?? '');
}

/** Network failures, and the server states that say "not now" (shutting down, starting, full, terminated). */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '53300']);

/**
 * The store could not be reached: an UnavailableError (503, safe to retry: appends are idempotent
 * by event id, so one whose commit was lost with the connection appends nothing the second time).
 * Anything else is a bug or a broken database and stays as it is.
 */
export function asStoreError(error: unknown): unknown {
  if (error instanceof UnavailableError) return error;
  const code = (error as { code?: string })?.code ?? '';
  const message = error instanceof Error ? error.message : '';
  if (
    UNAVAILABLE_CODES.has(code) ||
    code.startsWith('08') ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)
  ) {
    const unavailable = new UnavailableError('The event store (PostgreSQL) could not be reached; try again shortly.');
    (unavailable as { cause?: unknown }).cause = error;
    return unavailable;
  }
  return error;
}
