import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import {
  ConsumerOptions,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_RETRY_DELAYS_MS,
  DeadLetter,
  DeadLetterStore,
  EventBus,
  EventConsumer,
  IntegrationEvent,
  IntegrationEventHandler,
  deadLetterId,
  describeError,
  retryDelay,
} from '../bus.port';
import { parseIntegrationEventSubject, subjectMatches } from '../subjects';
import { handleInCorrelation } from './correlation';

export interface EmbeddedEventBusOptions {
  /** A file in DATA_DIR for `npm start`, ':memory:' for throw-away use. */
  filename: string;
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
`;

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
export class EmbeddedEventBus implements EventBus {
  private readonly db: Database.Database;
  private readonly published = new EventEmitter();
  private readonly running = new Map<string, EmbeddedConsumer>();
  readonly deadLetters: DeadLetterStore;

  constructor(options: EmbeddedEventBusOptions) {
    this.db = new Database(options.filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.published.setMaxListeners(0);
    this.deadLetters = new EmbeddedDeadLetters(this.db);
  }

  async publish(event: IntegrationEvent): Promise<void> {
    const { service } = parseIntegrationEventSubject(event.subject);
    const result = this.db
      .prepare('INSERT OR IGNORE INTO messages (msg_id, service, subject, payload, published_at) VALUES (?, ?, ?, ?, ?)')
      .run(event.id, service, event.subject, JSON.stringify(event), new Date().toISOString());
    if (result.changes > 0) this.published.emit(service);
  }

  async consume(options: ConsumerOptions, handler: IntegrationEventHandler): Promise<EventConsumer> {
    if (this.running.has(options.durableName)) {
      throw new Error(`consumer ${options.durableName} is already running in this process`);
    }
    this.db
      .prepare('INSERT OR IGNORE INTO consumers (durable_name, service) VALUES (?, ?)')
      .run(options.durableName, options.sourceService);
    const consumer = new EmbeddedConsumer(this.db, this.published, options, handler, () =>
      this.running.delete(options.durableName),
    );
    this.running.set(options.durableName, consumer);
    consumer.start();
    return consumer;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.values()].map((consumer) => consumer.stop()));
    if (this.db.open) this.db.close();
  }
}

class EmbeddedConsumer implements EventConsumer {
  private stopped = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> = Promise.resolve();
  private readonly onPublish = () => this.wake?.();

  constructor(
    private readonly db: Database.Database,
    private readonly published: EventEmitter,
    private readonly options: ConsumerOptions,
    private readonly handler: IntegrationEventHandler,
    private readonly onStopped: () => void,
  ) {}

  start(): void {
    this.published.on(this.options.sourceService, this.onPublish);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.published.off(this.options.sourceService, this.onPublish);
    await this.loop;
    this.onStopped();
  }

  private async run(): Promise<void> {
    const maxDeliveries = this.options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const durable = this.options.durableName;
    const state = this.db.prepare<[string], ConsumerRow>(
      'SELECT cursor, pending_seq, pending_deliveries FROM consumers WHERE durable_name = ?',
    );
    const next = this.db.prepare<[string, number], { seq: number; subject: string; payload: string }>(
      'SELECT seq, subject, payload FROM messages WHERE service = ? AND seq > ? ORDER BY seq LIMIT 100',
    );
    const markDelivery = this.db.prepare(
      'UPDATE consumers SET pending_seq = ?, pending_deliveries = ? WHERE durable_name = ?',
    );
    const ack = this.db.prepare('UPDATE consumers SET cursor = ?, pending_seq = NULL, pending_deliveries = 0 WHERE durable_name = ?');
    const bury = this.db.prepare(
      'INSERT OR REPLACE INTO dead_letters (id, durable_name, payload, error, deliveries, dead_at) VALUES (?, ?, ?, ?, ?, ?)',
    );

    while (!this.stopped) {
      const { cursor } = state.get(durable)!;
      const batch = next.all(this.options.sourceService, cursor);
      if (batch.length === 0) {
        await this.idle(1000);
        continue;
      }
      for (const message of batch) {
        if (this.stopped) return;
        if (!this.wanted(message.subject)) {
          ack.run(message.seq, durable);
          continue;
        }
        const event = JSON.parse(message.payload) as IntegrationEvent;
        let handled = false;
        while (!handled && !this.stopped) {
          const row = state.get(durable)!;
          const deliveryCount = (row.pending_seq === message.seq ? row.pending_deliveries : 0) + 1;
          markDelivery.run(message.seq, deliveryCount, durable);
          try {
            if (deliveryCount > maxDeliveries) throw new Error(`still failing after ${maxDeliveries} deliveries (the process stopped while handling it)`);
            await handleInCorrelation(event, () => this.handler(event, { deliveryCount }));
            ack.run(message.seq, durable);
            handled = true;
          } catch (error) {
            if (deliveryCount >= maxDeliveries) {
              this.db.transaction(() => {
                bury.run(deadLetterId(durable, event.id), durable, message.payload, describeError(error), deliveryCount, new Date().toISOString());
                ack.run(message.seq, durable);
              })();
              handled = true;
            } else {
              await this.idle(retryDelay(delays, deliveryCount));
            }
          }
        }
        if (!handled) return;
      }
    }
  }

  private wanted(subject: string): boolean {
    return !this.options.subjects || this.options.subjects.some((pattern) => subjectMatches(pattern, subject));
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

class EmbeddedDeadLetters implements DeadLetterStore {
  constructor(private readonly db: Database.Database) {}

  async list(durableName?: string): Promise<DeadLetter[]> {
    const rows = this.db
      .prepare<unknown[], { id: string; durable_name: string; payload: string; error: string; deliveries: number; dead_at: string }>(
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
    this.db.prepare('DELETE FROM dead_letters WHERE id = ?').run(id);
  }
}
