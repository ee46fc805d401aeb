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
    let services: Set<string>;
    try {
      if (!this.db.open) throw new Error('The embedded event bus is closed.');
      const insert = statement(this.db, 'INSERT OR IGNORE INTO messages (msg_id, service, subject, payload, published_at) VALUES (?, ?, ?, ?, ?)');
      const publishedAt = new Date().toISOString();
      services = this.db.transaction(() => {
        const touched = new Set<string>();
        for (const { events } of group) {
          for (const event of events) {
            const { service } = parseIntegrationEventSubject(event.subject);
            if (insert.run(event.id, service, event.subject, JSON.stringify(event), publishedAt).changes > 0) touched.add(service);
          }
        }
        return touched;
      })();
    } catch (error) {
      for (const publish of group) publish.reject(error);
      return;
    }
    for (const service of services) this.published.emit(service);
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

class EmbeddedConsumer implements EventConsumer {
  private stopped = false;
  private wakeOnPublish: (() => void) | null = null;
  private wakeOnStop: (() => void) | null = null;
  private loop: Promise<void> = Promise.resolve();
  private readonly onPublish = () => this.wakeOnPublish?.();
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

  constructor(
    private readonly db: Database.Database,
    private readonly published: EventEmitter,
    private readonly options: ConsumerOptions,
    private readonly handler: IntegrationEventHandler,
    private readonly onStopped: () => void,
    private readonly onError: (error: unknown) => void,
    private readonly onRedelivery: () => void,
  ) {}

  get durableName(): string {
    return this.options.durableName;
  }

  /**
   * Messages after its cursor of the subjects it takes (one in hand included), and retried dead
   * letters waiting for it. Messages of other subjects are stepped over, so are not counted.
   */
  pending(): number {
    const row = statement<[string], ConsumerRow>(this.db, 'SELECT cursor, pending_seq, pending_deliveries FROM consumers WHERE durable_name = ?').get(this.options.durableName);
    if (!row) return 0;
    const subjects = this.options.subjects;
    let pending = 0;
    if (!subjects) {
      pending = statement<[string, number], { n: number }>(this.db, 'SELECT COUNT(*) AS n FROM messages WHERE service = ? AND seq > ?').get(this.options.sourceService, row.cursor)!.n;
    } else {
      const rows = statement<[string, number], { subject: string }>(this.db, 'SELECT subject FROM messages WHERE service = ? AND seq > ? ORDER BY seq').iterate(this.options.sourceService, row.cursor);
      for (const { subject } of rows) if (subjects.some((pattern) => subjectMatches(pattern, subject))) pending++;
    }
    return pending + statement<[string], { n: number }>(this.db, 'SELECT COUNT(*) AS n FROM redeliveries WHERE durable_name = ?').get(this.options.durableName)!.n;
  }

  start(): void {
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
        const { message, consumer, skippedTo } = this.next();
        if (!message) {
          // Only messages of subjects this consumer does not take: step over them with one write.
          if (skippedTo !== null) {
            this.moveCursor(skippedTo);
            continue;
          }
          await this.idle(1000);
          continue;
        }
        const verdict = await this.deliver(message, consumer);
        if (verdict.kind === 'retry') await this.pause(verdict.delayMs);
      } catch (error) {
        this.onError(error);
        await this.pause(retryDelay(delays, 1));
      }
    }
  }

  /**
   * The next message of a subject this consumer takes, looking at most a page ahead; `skippedTo`:
   * the last message of that page when none in it is ours. Messages of other subjects are stepped
   * over without a write each: the ack of the next one of ours moves the cursor past them too.
   */
  private next(): { message?: { seq: number; subject: string; payload: string }; consumer: ConsumerRow; skippedTo: number | null } {
    const consumer = statement<[string], ConsumerRow>(this.db, 'SELECT cursor, pending_seq, pending_deliveries FROM consumers WHERE durable_name = ?').get(
      this.options.durableName,
    )!;
    const subjects = this.options.subjects;
    const ours = (subject: string) => !subjects || subjects.some((pattern) => subjectMatches(pattern, subject));
    // The first message after the cursor is usually ours: one lookup, payload included.
    const first = statement<[string, number], { seq: number; subject: string; payload: string }>(
      this.db,
      'SELECT seq, subject, payload FROM messages WHERE service = ? AND seq > ? ORDER BY seq LIMIT 1',
    ).get(this.options.sourceService, consumer.cursor);
    if (!first) return { consumer, skippedTo: null };
    if (ours(first.subject)) return { message: first, consumer, skippedTo: null };
    let skippedTo: number | null = first.seq;
    // Otherwise rows are read one at a time, and the scan stops at the first of ours.
    const rows = statement<[string, number], { seq: number; subject: string }>(this.db, 'SELECT seq, subject FROM messages WHERE service = ? AND seq > ? ORDER BY seq LIMIT 500')
      .iterate(this.options.sourceService, first.seq);
    for (const row of rows) {
      if (ours(row.subject)) {
        const { payload } = statement<[number], { payload: string }>(this.db, 'SELECT payload FROM messages WHERE seq = ?').get(row.seq)!;
        return { message: { seq: row.seq, subject: row.subject, payload }, consumer, skippedTo: null };
      }
      skippedTo = row.seq;
    }
    return { consumer, skippedTo };
  }

  private moveCursor(seq: number): void {
    // The delivery count of a message in hand stays: it is one of ours, further on.
    statement(this.db, 'UPDATE consumers SET cursor = ? WHERE durable_name = ? AND cursor < ?').run(seq, this.options.durableName, seq);
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

  /** `row`: the consumer's bookkeeping as `next` read it, in the same turn. */
  private async deliver(message: { seq: number; subject: string; payload: string }, row: ConsumerRow): Promise<DeliveryVerdict> {
    const durable = this.options.durableName;
    const ack = () =>
      statement(this.db, 'UPDATE consumers SET cursor = ?, pending_seq = NULL, pending_deliveries = 0 WHERE durable_name = ?').run(message.seq, durable);

    const event = JSON.parse(message.payload) as IntegrationEvent;
    // The count is stored before the handler runs, so a crash mid-handling counts as a delivery.
    const deliveryCount = (row.pending_seq === message.seq ? row.pending_deliveries : 0) + 1;
    statement(this.db, 'UPDATE consumers SET pending_seq = ?, pending_deliveries = ? WHERE durable_name = ?').run(message.seq, deliveryCount, durable);
    if (deliveryCount > 1) this.onRedelivery();

    const verdict = await attemptDelivery(deliveryCount, this.options, () => handleInCorrelation(event, () => this.handler(event, { deliveryCount })));
    if (verdict.kind === 'ack') {
      ack();
    } else if (verdict.kind === 'dead-letter') {
      this.db.transaction(() => {
        statement(this.db, 'INSERT OR REPLACE INTO dead_letters (id, durable_name, payload, error, deliveries, dead_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(deadLetterId(durable, event.id), durable, message.payload, verdict.error, deliveryCount, new Date().toISOString());
        ack();
      })();
    }
    return verdict;
  }

  /** Waits for a publish (or a poll interval): used when there is nothing to do. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeOnPublish = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeOnPublish = done;
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
