import { ensureStreamReplicas, retryJetStreamSetup } from '@clientele/platform/bus';
import { KV, NatsConnection, connect } from 'nats';
import { RecordChange, SharedRecords, SharedRecordsUnavailableError } from './shared-records.port';

export interface NatsKvRecordsOptions {
  servers: string | string[];
  /** What the servers ask a client to prove (user and password, or a token): none when they ask nothing. */
  auth?: { user: string; pass: string } | { token: string };
  /** Prefixes the bucket, like the bus does, so several systems share one NATS. */
  namespace?: string;
  /** The bucket's name after the namespace, e.g. `ratelimits`. */
  bucket: string;
  /**
   * The bucket's `max_age`: NATS removes an entry this long after its last write, whatever it
   * holds. At least the longest life any record is given; records say themselves when they expire
   * before that.
   */
  maxAgeMs: number;
  /** Copies of the bucket in a JetStream cluster (3 in production). Default 1. */
  replicas?: number;
  /** How long one KV request may take before the store counts as unavailable. Default 1000 ms. */
  timeoutMs?: number;
  /** Writes that lost a race, tried again at most this many times. Default 25. */
  maxConflicts?: number;
}

interface Stored {
  /** The value. */
  v?: unknown;
  /** When it expires (ms since the epoch); 0: cleared. */
  e: number;
}

/**
 * SharedRecords in a NATS JetStream KV bucket: every gateway replica reads and writes the same
 * records, so a counter counts every replica's requests.
 *
 * - Atomic changes by compare-and-set on the KV revision: `create` when the key has no entry,
 *   `update(key, value, revisionRead)` otherwise. JetStream serialises the writes of one key and
 *   refuses one whose expected revision is not the last ("wrong last sequence"): the loser reads
 *   again and applies its change to what the winner wrote. No increment is ever lost or counted
 *   twice.
 * - Expiry: the bucket's `max_age` removes an entry that long after its last write; a record
 *   also carries its own expiry, read as absent after it (so one bucket serves windows of any
 *   length up to `max_age`). A cleared record is written as expired rather than deleted: KV
 *   delete markers are never aged out, expired entries are.
 * - Anything but a lost race (a timeout, no JetStream, a closed connection) rejects with
 *   SharedRecordsUnavailableError: the caller decides what a limit does without its counts.
 */
export class NatsKvRecords implements SharedRecords {
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly ownsConnection: boolean,
    private readonly maxConflicts: number,
  ) {}

  static async connect(options: NatsKvRecordsOptions): Promise<NatsKvRecords> {
    const nc = await connect({ servers: options.servers, ...options.auth, name: `clientele-${options.bucket}`, maxReconnectAttempts: -1 });
    try {
      return await NatsKvRecords.open(nc, options, true);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  static async open(nc: NatsConnection, options: NatsKvRecordsOptions, ownsConnection = false): Promise<NatsKvRecords> {
    const name = options.namespace ? `${options.namespace}-${options.bucket}` : options.bucket;
    const replicas = options.replicas ?? 1;
    const timeout = options.timeoutMs ?? 1000;
    const kv = await retryJetStreamSetup(() => nc.jetstream({ timeout }).views.kv(name, { history: 1, ttl: options.maxAgeMs, replicas, timeout }));
    await retryJetStreamSetup(async () => ensureStreamReplicas(await nc.jetstreamManager(), `KV_${name}`, replicas));
    return new NatsKvRecords(nc, kv, ownsConnection, options.maxConflicts ?? 25);
  }

  async modify<R, T>(key: string, change: (current: T | undefined, now: number) => RecordChange<R, T>): Promise<R> {
    if (this.closed) throw new SharedRecordsUnavailableError('the shared records are closed');
    for (let attempt = 0; attempt <= this.maxConflicts; attempt++) {
      const entry = await this.unavailableOnFailure(() => this.kv.get(key));
      const live = entry && entry.operation === 'PUT' ? decode(entry.value) : undefined;
      const now = Date.now();
      const current = live && live.e > now ? (live.v as T) : undefined;
      const outcome = change(current, now);
      if (outcome.write === false) return outcome.result;
      // Nothing to clear where nothing lives.
      if (!outcome.record && current === undefined) return outcome.result;
      const stored: Stored = outcome.record ? { v: outcome.record.value, e: outcome.record.expiresAt } : { e: 0 };
      const payload = JSON.stringify(stored);
      try {
        if (entry) await this.kv.update(key, payload, entry.revision);
        else await this.kv.create(key, payload);
        return outcome.result;
      } catch (error) {
        if (!isLostRace(error)) throw new SharedRecordsUnavailableError(`NATS KV did not store ${key}: ${(error as Error).message}`, { cause: error });
        // Another replica wrote this key since we read it: read its write and apply ours to it.
        if (attempt > 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
      }
    }
    throw new SharedRecordsUnavailableError(`NATS KV: ${key} kept changing under ${this.maxConflicts} attempts to change it`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsConnection) await this.nc.drain().catch(() => undefined);
  }

  private async unavailableOnFailure<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new SharedRecordsUnavailableError(`NATS KV did not answer: ${(error as Error).message}`, { cause: error });
    }
  }
}

function decode(value: Uint8Array): Stored | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(value)) as Stored;
    return typeof parsed?.e === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** JetStream refused a write whose expected revision was not the key's last: someone wrote first. */
function isLostRace(error: unknown): boolean {
  return /wrong last sequence/i.test(String((error as Error)?.message)) || String((error as { api_error?: { err_code?: number } })?.api_error?.err_code) === '10071';
}
