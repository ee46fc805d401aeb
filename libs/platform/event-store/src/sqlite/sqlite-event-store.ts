import Database from 'better-sqlite3';
import { privateSqliteFile, WalSync, type FileSync } from '@clientele/platform/config';
import { EventEmitter } from 'node:events';
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
  SubscribeOptions,
  Subscription,
  streamCategory,
} from '../event-store.port';
import { pollingSubscription } from '../polling-subscription';

export interface SqliteEventStoreOptions {
  /** A file path, or ':memory:' for a throw-away store. One file per service. */
  filename: string;
  busyTimeoutMs?: number;
  /** The WAL file is truncated back to this size after checkpoints. */
  walSizeLimitBytes?: number;
  pollIntervalMs?: number;
  /** How the WAL is flushed to disk before an append is acknowledged (fs.fsync; specs hold it). */
  fileSync?: FileSync;
}

interface EventRow {
  position: number | bigint;
  category?: string;
  event_id: string;
  stream_name: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

/** The table and indexes of the store (exported for the benchmark's raw floor, which writes the same rows). */
export const SQLITE_EVENT_STORE_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position     INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id     TEXT    NOT NULL UNIQUE,
  stream_name  TEXT    NOT NULL,
  category     TEXT    NOT NULL,
  revision     INTEGER NOT NULL,
  type         TEXT    NOT NULL,
  data         TEXT    NOT NULL,
  metadata     TEXT    NOT NULL,
  recorded_at  TEXT    NOT NULL,
  UNIQUE (stream_name, revision)
);
CREATE INDEX IF NOT EXISTS events_by_category ON events (category, position);
CREATE INDEX IF NOT EXISTS events_by_type ON events (type, position);
`;

/**
 * Event store on one SQLite file (better-sqlite3). Durability: an append is acknowledged only once
 * the WAL holding it is fsynced, so an append that returned survives a power cut (what
 * synchronous=FULL does, but off the event loop and shared by the appends made meanwhile: see
 * `WalSync`). Until then its events are hidden from `readAll`, the head and the subscriptions, so
 * nothing (a projection, the outbox) acts on an event a power cut could still take back. Writers are serialised by SQLite's write lock and
 * positions come from AUTOINCREMENT inside the write transaction, so positions follow commit
 * order: what a subscriber has not seen yet always sorts after what it has.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  private readonly statements;
  private readonly appendTransaction;
  private readonly appendGroupTransaction;
  /** Runs reads in one read transaction: they see one snapshot of the file. */
  private readonly readSnapshot: <T>(read: () => T) => T;
  private readonly pollIntervalMs: number;
  /** A holder object (never replaced), so wrappers made with Object.create share the one queue. */
  private readonly appendQueue: { items: QueuedAppend[] } = { items: [] };
  private readonly statementCache = new Map<string, Database.Statement>();
  /**
   * The appends committed but not yet on disk, oldest first (their positions, in commit order),
   * and the WAL's syncer (null for ':memory:'). A holder object, like the append queue.
   */
  private readonly durability: { wal: WalSync | null; unsynced: Array<{ from: number }> };
  /**
   * The rows this connection appended lately, for the live subscriptions (one per processor: a
   * score of them in the embedded process). Each used to query SQLite after every append, the
   * same rows for all, a sixth of the embedded AddClient's CPU (issue 23's profile); now the
   * caught-up ones read what follows their position from here. `rows` holds every row with a
   * position above `base`, in order, as long as no other connection has written to the file
   * (`PRAGMA data_version` as in `dataVersion`); otherwise it is dropped and reads go to SQLite.
   * A holder object (never replaced), like the append queue, for wrappers made with Object.create.
   */
  private readonly recent: { base: number; rows: EventRow[]; dataVersion: number | null } = { base: 0, rows: [], dataVersion: null };
  /** See `dataVersionThisTurn`; null until the turn's first read. */
  private turnDataVersion: number | null = null;

  constructor(options: SqliteEventStoreOptions) {
    // Owner-only (0600), and so its -wal and -shm, which SQLite creates with the file's mode. No
    // secure_delete here: events are never deleted, and their personal data is sealed.
    privateSqliteFile(options.filename);
    this.db = new Database(options.filename);
    this.db.pragma('journal_mode = WAL');
    // The WAL is fsynced by `durability.wal` before an append is acknowledged (FULL would do it
    // inside COMMIT, on the event loop); without a file there is nothing to sync.
    const wal = WalSync.needed(options.filename) ? new WalSync(options.filename, { fileSync: options.fileSync }) : null;
    this.durability = { wal, unsynced: [] };
    this.db.pragma(wal ? 'synchronous = NORMAL' : 'synchronous = FULL');
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.db.pragma(`journal_size_limit = ${options.walSizeLimitBytes ?? 64 * 1024 * 1024}`);
    this.db.pragma('wal_autocheckpoint = 1000');
    this.db.defaultSafeIntegers(false);
    this.db.exec(SQLITE_EVENT_STORE_SCHEMA);
    // What an earlier process committed and may not have synced (it was killed between the two) is
    // synced now, before anyone reads it.
    wal?.syncNow();
    this.appended.setMaxListeners(0);
    this.pollIntervalMs = options.pollIntervalMs ?? 250;

    this.statements = {
      // A single MAX over the (stream_name, revision) index is answered from its last entry,
      // whatever the stream's length; a second aggregate would make SQLite scan the stream.
      lastRevision: this.db.prepare<[string], { revision: number | null }>(
        'SELECT MAX(revision) AS revision FROM events WHERE stream_name = ?',
      ),
      insert: this.db.prepare(
        `INSERT INTO events (event_id, stream_name, category, revision, type, data, metadata, recorded_at)
         VALUES (@eventId, @streamName, @category, @revision, @type, @data, @metadata, @recordedAt)`,
      ),
      findEventIds: (count: number) =>
        this.prepared<{ event_id: string; stream_name: string; position: number }>(
          `SELECT event_id, stream_name, position FROM events WHERE event_id IN (${new Array(count).fill('?').join(',')})`,
        ),
      deleteStream: this.db.prepare('DELETE FROM events WHERE stream_name = ?'),
    };

    this.appendTransaction = this.db.transaction((streamName: string, events: readonly NewEvent[], expected: ExpectedRevision) =>
      this.appendInTransaction(streamName, events, expected),
    );
    this.readSnapshot = this.db.transaction(<T>(read: () => T): T => read()) as unknown as <T>(read: () => T) => T;
    this.resetRecent();
    // Inside the group's transaction each append is a savepoint: one that fails rolls back alone.
    this.appendGroupTransaction = this.db.transaction((group: QueuedAppend[]) =>
      group.map((append) => {
        try {
          return { result: this.appendTransaction(append.streamName, append.events, append.expected) };
        } catch (error) {
          return { error };
        }
      }),
    );
  }

  /**
   * Group commit: appends requested in the same turn of the event loop (concurrent commands)
   * share one transaction and one fsync, each still checked against its own expected revision
   * and failing on its own. None resolves before the group is durable.
   */
  appendToStream(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new Error('appendToStream needs at least one event'));
    return new Promise((resolve, reject) => {
      this.appendQueue.items.push({ streamName, events, expected: options.expectedRevision, resolve, reject });
      if (this.appendQueue.items.length === 1) setImmediate(() => this.flushAppends());
    });
  }

  private flushAppends(): void {
    const group = this.appendQueue.items;
    this.appendQueue.items = [];
    let outcomes: Array<{ result?: AppendedRows; error?: unknown }>;
    try {
      // IMMEDIATE takes the write lock up front: two processes never both read a revision and
      // then race to upgrade their locks. A group of one needs no savepoint.
      if (group.length === 1) {
        const [only] = group;
        try {
          outcomes = [{ result: this.appendTransaction.immediate(only.streamName, only.events, only.expected) }];
        } catch (error) {
          // A refused append (wrong revision) fails alone; anything else fails the group below.
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          outcomes = [{ error }];
        }
      } else {
        outcomes = this.appendGroupTransaction.immediate(group);
      }
    } catch (error) {
      for (const append of group) append.reject(error);
      return;
    }
    // Committed: the live subscriptions find these rows without asking SQLite (once they are synced).
    const rows = outcomes.flatMap((outcome) => outcome.result?.rows ?? []);
    this.rememberAppended(rows);
    const answer = (error?: unknown) =>
      outcomes.forEach((outcome, index) =>
        outcome.error !== undefined || error !== undefined ? group[index].reject(outcome.error ?? error) : group[index].resolve(outcome.result!.result),
      );
    const { wal, unsynced } = this.durability;
    // Nothing to sync without a file, or when every append of the group was refused.
    if (!wal || outcomes.every((outcome) => outcome.error !== undefined)) {
      if (rows.length > 0) this.appended.emit('append');
      answer();
      return;
    }
    // A retry that found its events recorded waits too: they may belong to a group not synced yet.
    const entry = rows.length > 0 ? { from: Number(rows[0].position) } : null;
    if (entry) unsynced.push(entry);
    wal.sync().then(
      () => {
        this.synced(entry);
        answer();
      },
      (error: unknown) => {
        // Not known to be on disk: nobody is told it is. The rows are in the file, and the next
        // sync that succeeds makes them durable, so they are not hidden for ever.
        this.synced(entry);
        answer(error);
      },
    );
  }

  /** A group's sync is over: its rows are no longer hidden, and the subscriptions wake. */
  private synced(entry: { from: number } | null): void {
    if (!entry) return;
    const { unsynced } = this.durability;
    unsynced.splice(unsynced.indexOf(entry), 1);
    this.appended.emit('append');
  }

  /** The first position that readers must not see yet (an append not synced), or null when all are. */
  private hiddenFrom(): number | null {
    const { unsynced } = this.durability;
    return unsynced.length > 0 ? unsynced[0].from : null;
  }

  private appendInTransaction(streamName: string, events: readonly NewEvent[], expected: ExpectedRevision): AppendedRows {
    const current = this.statements.lastRevision.get(streamName)!;
    const currentRevision = current.revision ?? -1;

    const existing = this.statements.findEventIds(events.length).all(...events.map((e) => e.id));
    if (existing.length > 0) {
      // Idempotent append: the very same events were appended before (a retried command).
      if (existing.length === events.length && existing.every((row) => row.stream_name === streamName)) {
        return { result: { nextExpectedRevision: currentRevision, position: BigInt(Math.max(...existing.map((r) => r.position))) }, rows: [] };
      }
      throw new WrongExpectedRevisionError(streamName, expected, currentRevision === -1 ? 'no_stream' : currentRevision);
    }

    assertExpected(streamName, expected, currentRevision);

    const recordedAt = new Date().toISOString();
    const category = streamCategory(streamName);
    let position = 0n;
    const rows: EventRow[] = [];
    events.forEach((event, index) => {
      const row = {
        eventId: event.id,
        streamName,
        category,
        revision: currentRevision + 1 + index,
        type: event.type,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata ?? {}),
        recordedAt,
      };
      const info = this.statements.insert.run(row);
      position = BigInt(info.lastInsertRowid);
      rows.push({
        position: Number(info.lastInsertRowid),
        event_id: row.eventId,
        stream_name: streamName,
        category,
        revision: row.revision,
        type: row.type,
        data: row.data,
        metadata: row.metadata,
        recorded_at: recordedAt,
      });
    });
    return { result: { nextExpectedRevision: currentRevision + events.length, position }, rows };
  }

  /** Starts the recent rows afresh at the store's head: what is in the file so far is read from SQLite. */
  private resetRecent(): void {
    const head = this.prepared<{ head: number | null }>('SELECT MAX(position) AS head FROM events').get();
    this.recent.base = head?.head ?? 0;
    this.recent.rows = [];
    this.recent.dataVersion = this.dataVersion();
    // Later reads of this turn compare with the version just read, not with an older one.
    if (this.turnDataVersion !== null) this.turnDataVersion = this.recent.dataVersion;
  }

  private dataVersion(): number {
    return this.prepared<{ data_version: number }>('PRAGMA data_version').get()!.data_version;
  }

  /**
   * `data_version` as it was at this turn's first read: every subscription reads after each
   * append (ten reads per embedded AddClient), and the pragma once per read was 1.9% of its busy
   * time (bench/RESULTS.md, issue 23 session 13). A read later in the turn then sees the store as
   * the first one did, as if it had run a moment earlier: another connection's commit meanwhile is
   * found at the next turn. The connection's own commits never change `data_version`, and
   * `rememberAppended` always asks SQLite.
   */
  private dataVersionThisTurn(): number {
    if (this.turnDataVersion === null) {
      this.turnDataVersion = this.dataVersion();
      setImmediate(() => (this.turnDataVersion = null));
    }
    return this.turnDataVersion;
  }

  /** After a commit of this connection: its rows follow the recent ones, unless another connection wrote meanwhile. */
  private rememberAppended(rows: readonly EventRow[]): void {
    if (this.dataVersion() !== this.recent.dataVersion) {
      this.resetRecent();
      return;
    }
    const recent = this.recent;
    for (const row of rows) recent.rows.push(row);
    if (recent.rows.length > RECENT_ROWS) {
      const dropped = recent.rows.splice(0, recent.rows.length - RECENT_ROWS);
      recent.base = Number(dropped[dropped.length - 1].position);
    }
  }

  /**
   * `readAll` from the recent rows, when they hold everything after `after` (null: ask SQLite):
   * no other connection wrote since, and `after` is not older than what they start from.
   */
  private readRecent(options: ReadAllOptions): RecordedEvent[] | null {
    if (options.after === undefined || this.recent.dataVersion === null) return null;
    const after = Number(options.after);
    if (after < this.recent.base) return null;
    if (this.dataVersionThisTurn() !== this.recent.dataVersion) {
      this.resetRecent();
      return null;
    }
    const rows = this.recent.rows;
    // The first row after `after` (positions ascend).
    let low = 0;
    let high = rows.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (Number(rows[mid].position) <= after) low = mid + 1;
      else high = mid;
    }
    const { filter, maxCount } = options;
    const categories = filter?.streamCategories;
    const types = filter?.eventTypes;
    const hidden = this.hiddenFrom();
    const picked: EventRow[] = [];
    for (let i = low; i < rows.length && (maxCount === undefined || picked.length < maxCount); i++) {
      const row = rows[i];
      if (hidden !== null && Number(row.position) >= hidden) break;
      if (categories && !categories.includes(row.category!)) continue;
      if (types && !types.includes(row.type)) continue;
      picked.push(row);
    }
    return toRecordedEvents(picked);
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const params: unknown[] = [streamName];
    let sql = 'SELECT * FROM events WHERE stream_name = ?';
    if (options.fromRevision !== undefined) {
      sql += backwards ? ' AND revision <= ?' : ' AND revision >= ?';
      params.push(options.fromRevision);
    }
    sql += ` ORDER BY revision ${backwards ? 'DESC' : 'ASC'}`;
    if (options.maxCount !== undefined) {
      sql += ' LIMIT ?';
      params.push(options.maxCount);
    }
    return toRecordedEvents(this.prepared(sql).all(...params));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const recent = this.readRecent(options);
    if (recent) return recent;
    const { sql, params } = readAllQuery(options, this.hiddenFrom());
    return toRecordedEvents(this.prepared(sql).all(...params));
  }

  /**
   * `readAll` and how far the store was looked through: the recent rows' last one, or the head in
   * the snapshot SQLite answered from (one read transaction for both). Positions are given in
   * commit order, so nothing can later be committed at or below it.
   */
  async readAllScanned(options: ReadAllOptions): Promise<{ events: RecordedEvent[]; scannedTo: GlobalPosition | null }> {
    const hidden = this.hiddenFrom();
    const recent = this.readRecent(options);
    if (recent) {
      const rows = this.recent.rows;
      const last = Math.max(rows.length ? Number(rows[rows.length - 1].position) : this.recent.base, this.recent.base);
      // Looked through up to the first hidden row at most: a subscription must not move past it.
      return { events: recent, scannedTo: BigInt(hidden === null ? last : Math.min(last, hidden - 1)) };
    }
    const { sql, params } = readAllQuery(options, hidden);
    return this.readSnapshot(() => {
      const events = toRecordedEvents(this.prepared(sql).all(...params));
      const head = this.visibleHead(hidden);
      return { events, scannedTo: head === null ? null : BigInt(head) };
    });
  }

  async headPosition(): Promise<GlobalPosition | null> {
    const head = this.visibleHead(this.hiddenFrom());
    return head === null ? null : BigInt(head);
  }

  /** The last position readers may see: below the first append not synced yet. */
  private visibleHead(hidden: number | null): number | null {
    const row =
      hidden === null
        ? this.prepared<{ head: number | null }>('SELECT MAX(position) AS head FROM events').get()
        : this.prepared<{ head: number | null }>('SELECT MAX(position) AS head FROM events WHERE position < ?').get(hidden);
    return row?.head ?? null;
  }

  subscribeToAll(handler: EventHandler, options: SubscribeOptions = {}): Subscription {
    return pollingSubscription(
      { readAll: (o) => this.readAll(o), readAllScanned: (o) => this.readAllScanned(o), waitForAppend: (ms) => this.waitForAppend(ms) },
      handler,
      { ...options, pollIntervalMs: this.pollIntervalMs },
    );
  }

  async deleteStream(streamName: string): Promise<void> {
    this.statements.deleteStream.run(streamName);
    // Its rows may be among the recent ones: read from SQLite again.
    this.resetRecent();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.appended.emit('append');
    // The syncs in flight finish (and answer their appends) before the file closes.
    await this.durability.wal?.close();
    if (this.db.open) this.db.close();
  }

  /** Queries vary only by the shape of their filters: prepare each shape once. */
  private prepared<Row = EventRow>(sql: string): Database.Statement<unknown[], Row> {
    let statement = this.statementCache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statementCache.set(sql, statement);
    }
    return statement as Database.Statement<unknown[], Row>;
  }

  private waitForAppend(ms: number): Promise<void> {
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
}

/** How many appended rows the live subscriptions can read without SQLite (a subscription further behind reads SQLite). */
const RECENT_ROWS = 4096;

/** One append's answer, and its rows as SQLite now holds them (none for a retry found recorded). */
interface AppendedRows {
  result: AppendResult;
  rows: EventRow[];
}

interface QueuedAppend {
  streamName: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

function assertExpected(streamName: string, expected: ExpectedRevision, currentRevision: number): void {
  const actual = currentRevision === -1 ? 'no_stream' : currentRevision;
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && currentRevision === -1) ||
    (expected === 'stream_exists' && currentRevision !== -1) ||
    expected === currentRevision;
  if (!ok) throw new WrongExpectedRevisionError(streamName, expected, actual);
}

function readAllQuery(options: ReadAllOptions, hiddenFrom: number | null): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.after !== undefined) {
    where.push('position > ?');
    params.push(options.after);
  }
  if (hiddenFrom !== null) {
    where.push('position < ?');
    params.push(hiddenFrom);
  }
  addFilter(options.filter, where, params);
  let sql = `SELECT * FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY position ASC`;
  if (options.maxCount !== undefined) {
    sql += ' LIMIT ?';
    params.push(options.maxCount);
  }
  return { sql, params };
}

function addFilter(filter: EventFilter | undefined, where: string[], params: unknown[]): void {
  if (filter?.streamCategories) {
    where.push(`category IN (${filter.streamCategories.map(() => '?').join(',') || 'NULL'})`);
    params.push(...filter.streamCategories);
  }
  if (filter?.eventTypes) {
    where.push(`type IN (${filter.eventTypes.map(() => '?').join(',') || 'NULL'})`);
    params.push(...filter.eventTypes);
  }
}

/**
 * Rows as the port's events. The events of one append share their recorded_at, so the timestamp
 * is parsed once per run of equal ones (parsing an ISO date costs about as much as the rest of
 * the event but its JSON); each event still gets its own Date.
 */
function toRecordedEvents(rows: EventRow[]): RecordedEvent[] {
  const events = new Array<RecordedEvent>(rows.length);
  let lastRecordedAt: string | undefined;
  let lastTime = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row.recorded_at !== lastRecordedAt) {
      lastRecordedAt = row.recorded_at;
      lastTime = Date.parse(row.recorded_at);
    }
    events[i] = {
      id: row.event_id,
      type: row.type,
      streamName: row.stream_name,
      revision: row.revision,
      position: BigInt(row.position),
      data: JSON.parse(row.data),
      metadata: JSON.parse(row.metadata),
      recordedAt: new Date(lastTime),
    };
  }
  return events;
}
