import { DeadLetter, IntegrationEvent, JetStreamEventBus, eventStreamName } from '@clientele/platform/bus';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JSONCodec, JetStreamClient, JetStreamManager, NatsConnection, connect } from 'nats';

/**
 * What the bus fault specs (issue 10, faults 3, 5 and 6) look at and inject, from the outside of a
 * running deployment in separate processes: the JetStream streams and durable consumers of its
 * namespace, its dead letters, the services' SQLite event stores (read-only), and the ops CLI.
 */
export const EVENT_SOURCED = ['identity', 'clients', 'billing', 'messaging', 'scheduling'] as const;

const root = resolve(__dirname, '..', '..');
const codec = JSONCodec<IntegrationEvent>();

/** One message of a service's stream, as stored. */
export interface StoredIntegrationEvent {
  service: string;
  seq: number;
  /** The subject on the server (with the namespace). */
  subject: string;
  data: Uint8Array;
  event: IntegrationEvent;
}

export interface ConsumerState {
  stream: string;
  durable: string;
  /** The server-side subject filter (with the namespace); empty: the whole stream. */
  filterSubject: string;
  ackWaitMs: number;
  /** Deliveries made, redeliveries included. */
  deliveries: number;
  /** Matching messages not delivered yet. */
  pending: number;
  /** Delivered, not acknowledged yet. */
  ackPending: number;
  redelivered: number;
  /** Pull requests waiting for a message: one per idle consumer process. */
  waiting: number;
}

export class BusInspector {
  private constructor(
    readonly namespace: string,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    /** The real bus, in the deployment's namespace: dead letters, and publishing as a service does. */
    readonly bus: JetStreamEventBus,
  ) {}

  static async connect(namespace: string): Promise<BusInspector> {
    const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
    const nc = await connect({ servers, name: 'bus-inspector' });
    const bus = await JetStreamEventBus.connect({ servers, namespace, connectionName: 'bus-inspector' });
    return new BusInspector(namespace, nc, nc.jetstream(), await nc.jetstreamManager(), bus);
  }

  async close(): Promise<void> {
    await this.bus.close().catch(() => undefined);
    await this.nc.close().catch(() => undefined);
  }

  streamName(service: string): string {
    return `${this.namespace.toUpperCase().replace(/-/g, '_')}_${eventStreamName(service)}`;
  }

  /** The last sequence of each service's stream (0 when it has none yet). */
  async lastSequences(services: readonly string[] = EVENT_SOURCED): Promise<Record<string, number>> {
    const sequences: Record<string, number> = {};
    for (const service of services) {
      try {
        sequences[service] = (await this.jsm.streams.info(this.streamName(service))).state.last_seq;
      } catch {
        sequences[service] = 0;
      }
    }
    return sequences;
  }

  /** Every message of a service's stream, oldest first. */
  async read(service: string): Promise<StoredIntegrationEvent[]> {
    const stream = this.streamName(service);
    const { first_seq: first, last_seq: last, messages } = (await this.jsm.streams.info(stream)).state;
    const read: StoredIntegrationEvent[] = [];
    if (messages === 0) return read;
    for (let seq = first; seq <= last; seq++) {
      const message = await this.jsm.streams.getMessage(stream, { seq });
      read.push({ service, seq, subject: message.subject, data: message.data, event: codec.decode(message.data) });
    }
    return read;
  }

  /**
   * Publishes stored events again, in the order given, each with a fresh `Nats-Msg-Id` (the event,
   * and so its id, unchanged): the server's duplicate window cannot drop them, so every consumer
   * really receives them a second time.
   */
  async republish(events: readonly StoredIntegrationEvent[]): Promise<void> {
    for (const stored of events) await this.js.publish(stored.subject, stored.data, { msgID: `republished-${randomUUID()}` });
  }

  /** Every durable consumer of the namespace's event streams. */
  async consumers(services: readonly string[] = EVENT_SOURCED): Promise<ConsumerState[]> {
    const states: ConsumerState[] = [];
    for (const service of services) {
      const stream = this.streamName(service);
      try {
        for await (const info of this.jsm.consumers.list(stream)) {
          states.push({
            stream,
            durable: info.name,
            filterSubject: info.config.filter_subject ?? '',
            ackWaitMs: Math.round((info.config.ack_wait ?? 0) / 1e6),
            deliveries: info.delivered.consumer_seq,
            pending: info.num_pending,
            ackPending: info.num_ack_pending,
            redelivered: info.num_redelivered,
            waiting: info.num_waiting,
          });
        }
      } catch {
        // no stream yet: no consumer either
      }
    }
    return states;
  }

  async consumer(service: string, durable: string): Promise<ConsumerState> {
    const found = (await this.consumers([service])).find((c) => c.durable === durable);
    if (!found) throw new Error(`no consumer ${durable} on the ${service} stream`);
    return found;
  }

  deadLetters(durable?: string): Promise<DeadLetter[]> {
    return this.bus.deadLetters.list(durable);
  }

  /**
   * Waits until nothing moves any more: every consumer has handled everything in its stream, and
   * the streams, the event stores (and `extra`, e.g. a mailbox count) stayed the same for `quietMs`.
   * Answers how long that took.
   */
  async settled(options: { dataDirOf: (service: string) => string; timeoutMs: number; quietMs?: number; extra?: () => Promise<unknown> }): Promise<number> {
    const started = Date.now();
    const quietMs = options.quietMs ?? 1500;
    let last = '';
    let sameSince = Date.now();
    for (;;) {
      const consumers = await this.consumers();
      const busy = consumers.filter((c) => c.pending > 0 || c.ackPending > 0);
      const state = JSON.stringify([await this.lastSequences(), eventStoreHeads(options.dataDirOf), await options.extra?.()]);
      if (state !== last || busy.length > 0) {
        last = state;
        sameSince = Date.now();
      } else if (Date.now() - sameSince >= quietMs) {
        return Date.now() - started;
      }
      if (Date.now() - started > options.timeoutMs) {
        throw new Error(`still moving after ${options.timeoutMs} ms; busy consumers: ${JSON.stringify(busy)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export interface EventStoreHead {
  /** Events in the store. */
  count: number;
  /** Position of the newest (0: none). */
  head: number;
}

/** Each event-sourced service's event store, read-only, straight from its SQLite file. */
export function eventStoreHeads(dataDirOf: (service: string) => string, services: readonly string[] = EVENT_SOURCED): Record<string, EventStoreHead> {
  const heads: Record<string, EventStoreHead> = {};
  for (const service of services) {
    const filename = join(dataDirOf(service), service, 'events.sqlite');
    if (!existsSync(filename)) {
      heads[service] = { count: 0, head: 0 };
      continue;
    }
    const db = new Database(filename, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT COUNT(*) AS count, COALESCE(MAX(position), 0) AS head FROM events').get() as EventStoreHead;
      heads[service] = { count: Number(row.count), head: Number(row.head) };
    } finally {
      db.close();
    }
  }
  return heads;
}

export interface OpsRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * `npm run ops -- <args>` as an operator runs it against a deployment in separate processes: a child
 * process with the services' settings (the same NATS namespace, and `dataDir` as DATA_DIR).
 */
export function runOps(args: readonly string[], settings: { namespace: string; dataDir: string }, timeoutMs = 60_000): Promise<OpsRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/ops/src/main.ts', ...args],
      {
        cwd: root,
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          CLIENTELE_PROFILE: 'distributed',
          CLIENTELE_EVENT_STORE: 'sqlite',
          CLIENTELE_DOCUMENT_STORE: 'sqlite',
          CLIENTELE_MAIL: 'dev-mailbox',
          CLIENTELE_NATS_NAMESPACE: settings.namespace,
          NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
          DATA_DIR: settings.dataDir,
        },
      },
      (error, stdout, stderr) => done({ exitCode: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** A small seeded shuffle, so a failing order can be replayed from the seed the spec prints. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
