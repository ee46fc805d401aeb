import Database from 'better-sqlite3';
import { privateSqliteFile, WalSync, type FileSync } from '@clientele/platform/config';
import { EventEmitter } from 'node:events';
import {
  ConsumerOptions,
  DEFAULT_RETRY_DELAYS_MS,
  DeadLetter,
  DeadLetterStore,
  EventBus,
  EventConsumer,
  IntegrationEvent,
  IntegrationEventHandler,
  deadLetterId,
  retryDelay,
} from '../bus.port';
import { parseIntegrationEventSubject, subjectMatches } from '../subjects';
import { handleInCorrelation } from './correlation';
import { DeliveryVerdict, attemptDelivery } from './delivery-verdict';

/**
 * A durable consumer of this process as its bus sees it (for metrics): the messages it has still
 * to settle, the redeliveries it made since the bus opened, and its dead letters now.
 */
export interface ConsumerStatistics {
  durableName: string;
  pending: number;
  redeliveries: number;
  deadLetters: number;
}

export interface EmbeddedEventBusOptions {
  /** A file in DATA_DIR for `npm start`, ':memory:' for throw-away use. */
  filename: string;
  /** Told about failures around a message (not the handler's own): the message is retried. */
  onConsumerError?: (error: unknown, durableName: string) => void;
  /** How the WAL is flushed to disk before a publish is answered (fs.fsync; specs hold it). */
  fileSync?: FileSync;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  msg_id       TEXT NOT NULL UNIQUE,
  service      TEXT NOT NULL,
  subject      TEXT NOT NULL,
  payload      TEXT NOT NULL,
  published_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_service ON messages (service, seq);
CREATE TABLE IF NOT EXISTS consumers (
  durable_name       TEXT PRIMARY KEY,
  service            TEXT NOT NULL,
  cursor             INTEGER NOT NULL DEFAULT 0,
  pending_seq        INTEGER,
  pending_deliveries INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS dead_letters (
  id           TEXT PRIMARY KEY,
  durable_name TEXT NOT NULL,
  payload      TEXT NOT NULL,
  error        TEXT NOT NULL,
  deliveries   INTEGER NOT NULL,
  dead_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS redeliveries (
  id           TEXT PRIMARY KEY,
  durable_name TEXT NOT NULL,
  payload      TEXT NOT NULL,
  deliveries   INTEGER NOT NULL DEFAULT 0,
  requested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS redeliveries_by_consumer ON redeliveries (durable_name, requested_at);
`;

interface RedeliveryRow {
  id: string;
  payload: string;
  deliveries: number;
}

/** The event name a consumer listens on for retried dead letters (besides its source service's publishes). */
const redeliveryWake = (durableName: string) => `redelivery:${durableName}`;
/** How often a busy consumer looks for dead letters that another process handed back. */
const REDELIVERY_LOOKUP_MS = 1000;

interface ConsumerRow {
  cursor: number;
  pending_seq: number | null;
  pending_deliveries: number;
}

/**
 * The embedded profile's integration-event bus: a durable log in SQLite with the same promises as
 * the JetStream adapter. `publish` returns once the event is committed (and stores an id once);
 * each durable consumer keeps a cursor and the delivery count of the message in hand, so a crash
 * mid-handling redelivers it with the next count; a message that fails `maxDeliveries` times goes
 * to the dead letters and the consumer moves on. Messages reach one consumer in order.
 */
/**
 * better-sqlite3 parses and plans a statement again on every `prepare`: done per message and per
 * consumer, that was about 5% of an embedded AddClient's CPU (issue 23's profile). Each SQL text
 * is prepared once per connection.
 */
const statementCaches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function statement<BindParameters extends unknown[] | object = unknown[], Row = unknown>(db: Database.Database, sql: string): Database.Statement<BindParameters, Row> {
  let cache = statementCaches.get(db);
  if (!cache) {
    cache = new Map();
    statementCaches.set(db, cache);
  }
  let prepared = cache.get(sql);
  if (!prepared) {
    prepared = db.prepare(sql);
    cache.set(sql, prepared);
  }
  return prepared as unknown as Database.Statement<BindParameters, Row>;
}

export class EmbeddedEventBus implements EventBus {
  private readonly db: Database.Database;
  /**
   * The consumers' bookkeeping (cursors, delivery counts, their dead letters) goes through a second
   * connection at synchronous=NORMAL: in WAL mode a commit there survives a crash of the process,
   * and only a power loss can take back the last few, which at worst delivers a message again
   * (every consumer is idempotent) or counts one delivery less. Publishing stays durable (see `wal`): a
   * published event must never be lost once its outbox moved on. Two fsyncs per delivery were
   * the embedded server's largest cost (bench/RESULTS.md).
   */
  private readonly bookkeeping: Database.Database;
  /**
   * Publishing is answered once the WAL holding it is fsynced, as synchronous=FULL would, but off
   * the event loop and shared by the publishes made meanwhile (`WalSync`); null for ':memory:'.
   * Consumers may read a message before that: whatever they record about it (their cursor) follows
   * it in the same WAL, so a power cut that takes the message back takes that too, and the outbox,
   * never answered, publishes it again (consumers are idempotent).
   */
  private readonly wal: WalSync | null;
  private readonly published = new EventEmitter();
  private readonly running = new Map<string, EmbeddedConsumer>();
  /** Publishes asked for in this turn of the event loop (see `publishMany`). */
  private queuedPublishes: Array<{ events: readonly IntegrationEvent[]; resolve(): void; reject(error: unknown): void }> = [];
  /** Deliveries after the first, by durable consumer, since this bus opened (metrics). */
  private readonly redeliveries = new Map<string, number>();
  readonly deadLetters: DeadLetterStore;

  constructor(private readonly options: EmbeddedEventBusOptions) {
    // Owner-only (0600), and so its -wal and -shm, which SQLite creates with the file's mode.
    privateSqliteFile(options.filename);
    this.db = new Database(options.filename);
    this.db.pragma('journal_mode = WAL');
    this.wal = WalSync.needed(options.filename) ? new WalSync(options.filename, { fileSync: options.fileSync }) : null;
    this.db.pragma(this.wal ? 'synchronous = NORMAL' : 'synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    if (options.filename === ':memory:' || options.filename === '') {
      // A throw-away log: a second connection would open another, empty database.
      this.bookkeeping = this.db;
    } else {
      this.bookkeeping = new Database(options.filename);
      this.bookkeeping.pragma('synchronous = NORMAL');
      this.bookkeeping.pragma('busy_timeout = 5000');
    }
    this.published.setMaxListeners(0);
    this.deadLetters = new EmbeddedDeadLetters(this.db, (durableName) => this.published.emit(redeliveryWake(durableName)));
  }

  async publish(event: IntegrationEvent): Promise<void> {
    await this.publishMany([event]);
  }

  /**
   * One transaction (one fsync) for the lot, and for every other publish asked for in the same
   * turn of the event loop: in one process every service's outbox relay publishes here, and they
   * relay the same burst of events together (one FULL commit each was a tenth of an embedded
   * AddClient's busy time, bench/RESULTS.md). None is answered before its transaction committed.
   */
  async publishMany(events: readonly IntegrationEvent[]): Promise<void> {
    if (events.length === 0) return;
    return new Promise<void>((resolve, reject) => {
      this.queuedPublishes.push({ events, resolve, reject });
      if (this.queuedPublishes.length === 1) setImmediate(() => this.flushPublishes());
    });
  }

  private flushPublishes(): void {
    const group = this.queuedPublishes;
    if (group.length === 0) return;
    this.queuedPublishes = [];
    /** The subjects written, by service: a consumer wakes only for a subject it takes. */
    let published: Map<string, Set<string>>;
    try {
      if (!this.db.open) throw new Error('The embedded event bus is closed.');
      const insert = statement(this.db, 'INSERT OR IGNORE INTO messages (msg_id, service, subject, payload, published_at) VALUES (?, ?, ?, ?, ?)');
      const publishedAt = new Date().toISOString();
      published = this.db.transaction(() => {
        const touched = new Map<string, Set<string>>();
        for (const { events } of group) {
          for (const event of events) {
            const { service } = parseIntegrationEventSubject(event.subject);
            if (insert.run(event.id, service, event.subject, JSON.stringify(event), publishedAt).changes === 0) continue;
            const subjects = touched.get(service);
            if (subjects) subjects.add(event.subject);
            else touched.set(service, new Set([event.subject]));
          }
        }
        return touched;
      })();
    } catch (error) {
      for (const publish of group) publish.reject(error);
      return;
    }
    for (const [service, subjects] of published) this.published.emit(service, subjects);
    if (!this.wal) {
      for (const publish of group) publish.resolve();
      return;
    }
    this.wal.sync().then(
      () => group.forEach((publish) => publish.resolve()),
      (error: unknown) => group.forEach((publish) => publish.reject(error)),
    );
  }

  async consume(options: ConsumerOptions, handler: IntegrationEventHandler): Promise<EventConsumer> {
    if (this.running.has(options.durableName)) {
      throw new Error(`consumer ${options.durableName} is already running in this process`);
    }
    statement(this.db, 'INSERT OR IGNORE INTO consumers (durable_name, service) VALUES (?, ?)')
      .run(options.durableName, options.sourceService);
    const consumer = new EmbeddedConsumer(
      this.bookkeeping,
      this.published,
      options,
      handler,
      () => this.running.delete(options.durableName),
      (error) => this.options.onConsumerError?.(error, options.durableName),
      () => this.redeliveries.set(options.durableName, (this.redeliveries.get(options.durableName) ?? 0) + 1),
    );
    this.running.set(options.durableName, consumer);
    consumer.start();
    return consumer;
  }

  async ping(): Promise<void> {
    statement(this.db, 'SELECT 1').get();
  }

  /** The consumers running in this process, for metrics: read from the SQLite log at the time of asking. */
  async consumerStatistics(): Promise<ConsumerStatistics[]> {
    if (!this.db.open) return [];
    const dead = new Map(
      statement<[], { durable_name: string; n: number }>(this.db, 'SELECT durable_name, COUNT(*) AS n FROM dead_letters GROUP BY durable_name')
        .all()
        .map((row) => [row.durable_name, row.n]),
    );
    return [...this.running.values()].map((consumer) => ({
      durableName: consumer.durableName,
      pending: consumer.pending(),
      redeliveries: this.redeliveries.get(consumer.durableName) ?? 0,
      deadLetters: dead.get(consumer.durableName) ?? 0,
    }));
  }

  async close(): Promise<void> {
    // Publishes already asked for are written (or refused) before the file closes.
    this.flushPublishes();
    await Promise.all([...this.running.values()].map((consumer) => consumer.stop()));
    // The syncs in flight finish (and answer their publishes) before the file closes.
    await this.wal?.close();
    if (this.bookkeeping.open) this.bookkeeping.close();
    if (this.db.open) this.db.close();
  }
}

/** A message of the log as a consumer reads it. */
interface LoggedMessage {
  seq: number;
  subject: string;
  payload: string;
}

/** How many messages a consumer reads ahead in one query. */
const READ_AHEAD = 64;
/** How long a consumer's place may stay only in memory, at most, once it has nothing to deliver. */
const PLACE_WRITTEN_WITHIN_MS = 1000;

/**
 * One durable consumer. Its bookkeeping row (cursor, message in hand, delivery count) is written by
 * this object only, so it keeps the row's state in memory and writes it once per delivery:
 * - before the handler runs, one UPDATE records the message in hand with its delivery count (a
 *   crash mid-handling counts as a delivery) and, in the same statement, moves the cursor past
 *   everything handled before it: the ack of the previous message rides on the mark of the next;
 * - the ack of the last message before a pause, and messages of other subjects stepped over, are
 *   written once the consumer has had nothing to do for a while (at most a second later), and when
 *   it stops.
 * A crash before that write delivers the last message again, as a crash before any ack does (every
 * consumer is idempotent); a message delivered more than once is acked at once, so that a handled
 * message never reaches its delivery bound that way. Before (issue 23), each delivery read the row
 * and the message, and wrote twice: about a third of the embedded bus's share of an AddClient.
 */
class EmbeddedConsumer implements EventConsumer {
  private stopped = false;
  private wakeOnPublish: (() => void) | null = null;
  private wakeOnStop: (() => void) | null = null;
  private loop: Promise<void> = Promise.resolve();
  /**
   * Told of each publish of its source service. A consumer reads the log again only when one of
   * the subjects written is one it takes (or a second passed with nothing to do, for the messages
   * it steps over and for a publish by another connection): woken by every publish, each consumer
   * read the log twice per message of its service, its own or not.
   */
  private readonly onPublish = (subjects: ReadonlySet<string>) => {
    for (const subject of subjects) {
      if (!this.takes(subject)) continue;
      this.logMayHaveMore = true;
      this.wakeOnPublish?.();
      return;
    }
  };
  /** Whether the log may hold messages of its subjects it has not read (see `onPublish`). */
  private logMayHaveMore = true;
  /**
   * Whether retried dead letters may be waiting: true when this process asked for a retry, and
   * looked up again at least every second (the ops tool asks from another process). Looking them
   * up before every message was one query per delivery for a table that is nearly always empty.
   */
  private redeliveriesMayWait = true;
  private redeliveriesLookedUpAt = 0;
  private readonly onRetry = () => {
    this.redeliveriesMayWait = true;
    this.wakeOnPublish?.();
  };
  /** The bookkeeping row as last written (read once, at start). */
  private written: ConsumerRow = { cursor: 0, pending_seq: null, pending_deliveries: 0 };
  private writtenAt = 0;
  /** Every message up to this one is handled or stepped over (ahead of `written.cursor` until written). */
  private position = 0;
  /** Messages of its subjects after `position`, read ahead, in order; the first is the next to deliver. */
  private readAhead: LoggedMessage[] = [];
  /** The last message of the log that `readAhead` accounts for. */
  private readTo = 0;
  /** Its subjects when none has a wildcard (SQLite filters by them), else null. */
  private readonly namedSubjects: readonly string[] | null;

  constructor(
    private readonly db: Database.Database,
    private readonly published: EventEmitter,
    private readonly options: ConsumerOptions,
    private readonly handler: IntegrationEventHandler,
    private readonly onStopped: () => void,
    private readonly onError: (error: unknown) => void,
    private readonly onRedelivery: () => void,
  ) {
    const subjects = options.subjects;
    this.namedSubjects = subjects && subjects.length > 0 && subjects.every((pattern) => !/[*>]/.test(pattern)) ? [...new Set(subjects)] : null;
  }

  get durableName(): string {
    return this.options.durableName;
  }

  /**
   * Messages after its place of the subjects it takes (one in hand included), and retried dead
   * letters waiting for it. Messages of other subjects are stepped over, so are not counted.
   */
  pending(): number {
    if (!this.db.open) return 0;
    const subjects = this.options.subjects;
    let pending = 0;
    if (!subjects) {
      pending = statement<[string, number], { n: number }>(this.db, 'SELECT COUNT(*) AS n FROM messages WHERE service = ? AND seq > ?').get(this.options.sourceService, this.position)!.n;
    } else {
      const rows = statement<[string, number], { subject: string }>(this.db, 'SELECT subject FROM messages WHERE service = ? AND seq > ? ORDER BY seq').iterate(this.options.sourceService, this.position);
      for (const { subject } of rows) if (subjects.some((pattern) => subjectMatches(pattern, subject))) pending++;
    }
    return pending + statement<[string], { n: number }>(this.db, 'SELECT COUNT(*) AS n FROM redeliveries WHERE durable_name = ?').get(this.options.durableName)!.n;
  }

  start(): void {
    this.written = statement<[string], ConsumerRow>(this.db, 'SELECT cursor, pending_seq, pending_deliveries FROM consumers WHERE durable_name = ?').get(this.options.durableName)!;
    this.position = this.written.cursor;
    this.published.on(this.options.sourceService, this.onPublish);
    this.published.on(redeliveryWake(this.options.durableName), this.onRetry);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wakeOnPublish?.();
    this.wakeOnStop?.();
    this.published.off(this.options.sourceService, this.onPublish);
    this.published.off(redeliveryWake(this.options.durableName), this.onRetry);
    await this.loop;
    try {
      this.writePlace();
    } catch (error) {
      // The file closed under it (a crash-like stop): the last messages are delivered again.
      this.onError(error);
    }
    this.onStopped();
  }

  /** Never rejects: a failure around a message is reported and the message is tried again after a pause. */
  private async run(): Promise<void> {
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    while (!this.stopped) {
      try {
        // A retried dead letter goes first: an operator is waiting for it.
        const redelivery = this.nextRedelivery();
        if (redelivery) {
          // (Another may wait behind it: look again next time.)
          this.redeliveriesMayWait = true;
          const verdict = await this.redeliver(redelivery);
          if (verdict.kind === 'retry') await this.pause(verdict.delayMs);
          continue;
        }
        const message = this.next();
        if (!message) {
          if (Date.now() - this.writtenAt >= PLACE_WRITTEN_WITHIN_MS) this.writePlace();
          if (!(await this.idle(PLACE_WRITTEN_WITHIN_MS))) this.logMayHaveMore = true;
          continue;
        }
        const verdict = await this.deliver(message);
        if (verdict.kind === 'retry') await this.pause(verdict.delayMs);
      } catch (error) {
        this.onError(error);
        // What was read ahead is read again: the failure may have been reading it.
        this.readAhead = [];
        this.logMayHaveMore = true;
        await this.pause(retryDelay(delays, 1));
      }
    }
  }

  /** The next message of a subject this consumer takes, reading the log further when what was read ahead ran out. */
  private next(): LoggedMessage | undefined {
    while (this.readAhead.length === 0) {
      if (!this.readMore()) return undefined;
    }
    return this.readAhead[0];
  }

  /**
   * Reads the next page of the log after `position` (false: nothing is there yet). A consumer of
   * named subjects (every consumer today) reads only its own messages: SQLite checks the subject,
   * and the payloads of the others never reach JavaScript (most consumers take few of their source
   * service's subjects: scheduling takes two of the clients service's events). Messages of
   * other subjects are stepped over in memory: `readTo` is the last message this page accounts
   * for, and `position` moves there once the page's own are settled.
   */
  private readMore(): boolean {
    if (!this.logMayHaveMore) return false;
    // A publish from here on sets it again (it runs on this thread, never during this read).
    this.logMayHaveMore = false;
    const service = this.options.sourceService;
    const last = statement<[string], { last: number | null }>(this.db, 'SELECT MAX(seq) AS last FROM messages WHERE service = ?').get(service)!.last;
    if (last === null || last <= this.position) return false;
    const named = this.namedSubjects;
    const rows = named
      ? statement<unknown[], LoggedMessage>(
          this.db,
          `SELECT seq, subject, payload FROM messages WHERE service = ? AND seq > ? AND seq <= ? AND subject IN (${named.map(() => '?').join(', ')}) ORDER BY seq LIMIT ${READ_AHEAD}`,
        ).all(service, this.position, last, ...named)
      : statement<unknown[], LoggedMessage>(this.db, `SELECT seq, subject, payload FROM messages WHERE service = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ${READ_AHEAD}`).all(
          service,
          this.position,
          last,
        );
    this.readTo = rows.length === READ_AHEAD ? rows[rows.length - 1].seq : last;
    // A full page: more may follow it.
    if (rows.length === READ_AHEAD) this.logMayHaveMore = true;
    // (SQLite already kept named subjects only; patterns with wildcards are matched here.)
    this.readAhead = named ? rows : rows.filter((row) => this.takes(row.subject));
    if (this.readAhead.length === 0) this.position = this.readTo;
    return true;
  }

  private takes(subject: string): boolean {
    const subjects = this.options.subjects;
    return !subjects || subjects.some((pattern) => subjectMatches(pattern, subject));
  }

  /** Writes the bookkeeping row when it differs from what was written: the place, and the message in hand if any. */
  private writePlace(pending: { seq: number; deliveries: number } | null = this.inHand()): void {
    const row: ConsumerRow = { cursor: this.position, pending_seq: pending?.seq ?? null, pending_deliveries: pending?.deliveries ?? 0 };
    const { written } = this;
    if (row.cursor === written.cursor && row.pending_seq === written.pending_seq && row.pending_deliveries === written.pending_deliveries) return;
    this.storeRow(row);
    this.remember(row);
  }

  private storeRow(row: ConsumerRow): void {
    statement(this.db, 'UPDATE consumers SET cursor = ?, pending_seq = ?, pending_deliveries = ? WHERE durable_name = ?').run(
      row.cursor,
      row.pending_seq,
      row.pending_deliveries,
      this.options.durableName,
    );
  }

  /** Memory follows the row once it is stored (committed, inside a transaction). */
  private remember(row: ConsumerRow): void {
    this.written = row;
    this.writtenAt = Date.now();
  }

  /** The message in hand as written: one after the place, with its delivery count so far. */
  private inHand(): { seq: number; deliveries: number } | null {
    const { pending_seq: seq, pending_deliveries: deliveries } = this.written;
    return seq !== null && seq > this.position ? { seq, deliveries } : null;
  }

  private nextRedelivery(): RedeliveryRow | undefined {
    const now = Date.now();
    if (!this.redeliveriesMayWait && now - this.redeliveriesLookedUpAt < REDELIVERY_LOOKUP_MS) return undefined;
    this.redeliveriesMayWait = false;
    this.redeliveriesLookedUpAt = now;
    return statement<[string], RedeliveryRow>(this.db, 'SELECT id, payload, deliveries FROM redeliveries WHERE durable_name = ? ORDER BY requested_at, id LIMIT 1')
      .get(this.options.durableName);
  }

  /** A dead letter handed back by `deadLetters.retry`: same bounds as a first delivery, no subject filter (it was ours). */
  private async redeliver(row: RedeliveryRow): Promise<DeliveryVerdict> {
    const event = JSON.parse(row.payload) as IntegrationEvent;
    const deliveryCount = row.deliveries + 1;
    statement(this.db, 'UPDATE redeliveries SET deliveries = ? WHERE id = ?').run(deliveryCount, row.id);
    if (deliveryCount > 1) this.onRedelivery();
    const verdict = await attemptDelivery(deliveryCount, this.options, () => handleInCorrelation(event, () => this.handler(event, { deliveryCount })));
    if (verdict.kind === 'ack') {
      statement(this.db, 'DELETE FROM redeliveries WHERE id = ?').run(row.id);
    } else if (verdict.kind === 'dead-letter') {
      this.db.transaction(() => {
        statement(this.db, 'INSERT OR REPLACE INTO dead_letters (id, durable_name, payload, error, deliveries, dead_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(row.id, this.options.durableName, row.payload, verdict.error, deliveryCount, new Date().toISOString());
        statement(this.db, 'DELETE FROM redeliveries WHERE id = ?').run(row.id);
      })();
    }
    return verdict;
  }

  /** `message`: the first of `readAhead`, one of ours. */
  private async deliver(message: LoggedMessage): Promise<DeliveryVerdict> {
    const durable = this.options.durableName;
    const event = JSON.parse(message.payload) as IntegrationEvent;
    // The count is written before the handler runs, so a crash mid-handling counts as a delivery.
    const inHand = this.inHand();
    const deliveryCount = (inHand?.seq === message.seq ? inHand.deliveries : 0) + 1;
    this.writePlace({ seq: message.seq, deliveries: deliveryCount });
    if (deliveryCount > 1) this.onRedelivery();

    const verdict = await attemptDelivery(deliveryCount, this.options, () => handleInCorrelation(event, () => this.handler(event, { deliveryCount })));
    if (verdict.kind === 'retry') return verdict;
    if (verdict.kind === 'dead-letter') {
      // The letter and the step past it in one commit; if it fails, memory has not moved either.
      const row: ConsumerRow = { cursor: message.seq, pending_seq: null, pending_deliveries: 0 };
      this.db.transaction(() => {
        statement(this.db, 'INSERT OR REPLACE INTO dead_letters (id, durable_name, payload, error, deliveries, dead_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(deadLetterId(durable, event.id), durable, message.payload, verdict.error, deliveryCount, new Date().toISOString());
        this.storeRow(row);
      })();
      this.remember(row);
      this.settle(message);
      return verdict;
    }
    this.settle(message);
    // A message delivered again is acked now: a crash before a later write must not count a
    // delivery it did not fail, and push it past its bound.
    if (deliveryCount > 1) this.writePlace();
    return verdict;
  }

  private settle(message: LoggedMessage): void {
    this.position = message.seq;
    if (this.readAhead[0] === message) this.readAhead.shift();
    // The page's messages of other subjects after its last of ours are stepped over with it.
    if (this.readAhead.length === 0) this.position = Math.max(this.position, this.readTo);
  }

  /** Waits for a publish (true) or `ms` with nothing to do (false). */
  private idle(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.wakeOnPublish = null;
        resolve(woken);
      };
      const timer = setTimeout(() => done(false), ms);
      this.wakeOnPublish = () => done(true);
    });
  }

  /** Waits out a retry delay; only stopping cuts it short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeOnStop = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeOnStop = done;
    });
  }
}

class EmbeddedDeadLetters implements DeadLetterStore {
  constructor(
    private readonly db: Database.Database,
    /** Wakes a consumer of this process at once (one in another process finds the retry at its next poll). */
    private readonly onRetry: (durableName: string) => void,
  ) {}

  async retry(id: string): Promise<boolean> {
    const durableName = this.db.transaction(() => {
      const letter = statement<[string], { durable_name: string; payload: string }>(this.db, 'SELECT durable_name, payload FROM dead_letters WHERE id = ?')
        .get(id);
      if (!letter) return null;
      statement(this.db, 'INSERT OR REPLACE INTO redeliveries (id, durable_name, payload, deliveries, requested_at) VALUES (?, ?, ?, 0, ?)')
        .run(id, letter.durable_name, letter.payload, new Date().toISOString());
      statement(this.db, 'DELETE FROM dead_letters WHERE id = ?').run(id);
      return letter.durable_name;
    })();
    if (durableName === null) return false;
    this.onRetry(durableName);
    return true;
  }

  async list(durableName?: string): Promise<DeadLetter[]> {
    const rows = statement<unknown[], { id: string; durable_name: string; payload: string; error: string; deliveries: number; dead_at: string }>(this.db, 
        `SELECT * FROM dead_letters ${durableName ? 'WHERE durable_name = ?' : ''} ORDER BY dead_at`,
      )
      .all(...(durableName ? [durableName] : []));
    return rows.map((row) => ({
      id: row.id,
      durableName: row.durable_name,
      event: JSON.parse(row.payload),
      error: row.error,
      deliveries: row.deliveries,
      deadAt: row.dead_at,
    }));
  }

  async discard(id: string): Promise<void> {
    statement(this.db, 'DELETE FROM dead_letters WHERE id = ?').run(id);
  }

  async record(letter: DeadLetter): Promise<void> {
    statement(this.db, 'INSERT OR REPLACE INTO dead_letters (id, durable_name, payload, error, deliveries, dead_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(letter.id, letter.durableName, JSON.stringify(letter.event), letter.error, letter.deliveries, letter.deadAt);
  }
}
