import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ensureStreamReplicas, kvEntries, retryJetStreamSetup } from '@clientele/platform/bus';
import { KV, NatsConnection, connect } from 'nats';
import { Lease, LeaseTimings, Leases, LeasesClosedError, leaseTimings } from './lease.port';

export interface NatsKvLeasesOptions {
  servers: string | string[];
  /** What the servers ask a client to prove (user and password, or a token): none when they ask nothing. */
  auth?: { user: string; pass: string } | { token: string };
  /** Prefixes the bucket, like the bus does, so several systems share one NATS. */
  namespace?: string;
  /** Names this process in the holder records (default: host name and process id). */
  holderName?: string;
  timings?: Partial<LeaseTimings>;
  /** Copies of the bucket in a JetStream cluster (3 in production). Default 1. */
  replicas?: number;
  onEvent?: (event: { lease: string; what: 'acquired' | 'lost' | 'released'; detail?: string }) => void;
}

interface HolderRecord {
  holder: string;
}

/**
 * Leases in a NATS JetStream key-value bucket whose entries expire (`max_age` = the TTL): what
 * NATS already offers for this, with no clock of ours in the decision.
 *
 * - Taking a lease is `create`: it succeeds only when the key has no live entry (never written,
 *   deleted, or expired because its holder stopped renewing). JetStream serialises the writes of
 *   one key, so two replicas can never both succeed.
 * - Renewing is `update` with the revision of our last write: it fails as soon as anyone else
 *   wrote the key, so a holder that lost its lease cannot take it back by renewing.
 * - The fencing token is the revision of the `create` that took the lease: the stream's sequence,
 *   so every new holder's token is higher than every earlier holder's.
 * - A holder counts its lease as held only until (the time it sent its last confirmed renewal +
 *   TTL - safety margin) on its monotonic clock; the server keeps the entry at least the TTL after
 *   it received that write, which is later. So the holder always gives up first.
 */
export class NatsKvLeases implements Leases {
  private readonly leases = new Map<string, KvLease>();
  private closed = false;
  readonly holderId: string;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly bucket: KV,
    private readonly bucketName: string,
    private readonly ownsConnection: boolean,
    readonly timings: LeaseTimings,
    private readonly options: NatsKvLeasesOptions,
  ) {
    this.holderId = `${options.holderName ?? `${hostname()}:${process.pid}`}:${randomUUID().slice(0, 8)}`;
  }

  static async connect(options: NatsKvLeasesOptions): Promise<NatsKvLeases> {
    const nc = await connect({ servers: options.servers, ...options.auth, name: 'clientele-leases', maxReconnectAttempts: -1 });
    try {
      return await NatsKvLeases.open(nc, options, true);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  static async open(nc: NatsConnection, options: NatsKvLeasesOptions, ownsConnection = false): Promise<NatsKvLeases> {
    const timings = leaseTimings(options.timings);
    const name = options.namespace ? `${options.namespace}-leases` : 'leases';
    const replicas = options.replicas ?? 1;
    const bucket = await retryJetStreamSetup(() => nc.jetstream().views.kv(name, { history: 1, ttl: timings.ttlMs, replicas }));
    await retryJetStreamSetup(async () => ensureStreamReplicas(await nc.jetstreamManager(), `KV_${name}`, replicas));
    return new NatsKvLeases(nc, bucket, name, ownsConnection, timings, options);
  }

  lease(name: string): Lease {
    let lease = this.leases.get(name);
    if (!lease) {
      lease = new KvLease(name, this.bucket, this.holderId, this.timings, () => this.closed, this.options.onEvent);
      this.leases.set(name, lease);
    }
    return lease;
  }

  async holders(): Promise<Record<string, { holder: string; token: bigint }>> {
    const result: Record<string, { holder: string; token: bigint }> = {};
    for (const entry of await kvEntries(await this.nc.jetstreamManager(), this.bucketName, this.bucket)) {
      const record = entry.json<HolderRecord & { token: string }>();
      result[decodeKey(entry.key)] = { holder: record.holder, token: BigInt(record.token) };
    }
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.leases.values()].map((lease) => lease.release()));
    this.closed = true;
    if (this.ownsConnection) await this.nc.drain().catch(() => undefined);
  }
}

class KvLease implements Lease {
  private revision = 0;
  private token: bigint | null = null;
  /** Monotonic time (ms) until which the lease surely holds. */
  private heldUntil = 0;
  private renewTimer: NodeJS.Timeout | null = null;
  private readonly listeners: Array<(reason: string) => void> = [];
  private readonly key: string;

  constructor(
    readonly name: string,
    private readonly bucket: KV,
    private readonly holderId: string,
    private readonly timings: LeaseTimings,
    private readonly closed: () => boolean,
    private readonly onEvent?: NatsKvLeasesOptions['onEvent'],
  ) {
    this.key = encodeKey(name);
  }

  async acquire(signal?: AbortSignal): Promise<bigint> {
    for (;;) {
      if (this.closed()) throw new LeasesClosedError();
      signal?.throwIfAborted();
      if (this.isHeld() && this.token !== null) return this.token;
      const sentAt = performance.now();
      try {
        // The token is the revision of this very write; it goes into the record afterwards (the
        // first renewal), so `holders()` can show it. Until then the record has the holder only.
        const revision = await this.bucket.create(this.key, JSON.stringify({ holder: this.holderId, token: '0' }));
        this.revision = revision;
        this.token = BigInt(revision);
        this.heldUntil = sentAt + this.timings.ttlMs - this.timings.safetyMarginMs;
        this.onEvent?.({ lease: this.name, what: 'acquired', detail: `token ${revision}` });
        await this.renew();
        this.scheduleRenewal();
        if (this.isHeld()) return this.token;
      } catch {
        // Held by another replica (or NATS is unreachable): try again shortly.
      }
      await sleep(this.timings.retryEveryMs, signal);
    }
  }

  isHeld(): boolean {
    return this.token !== null && performance.now() < this.heldUntil;
  }

  onLost(listener: (reason: string) => void): void {
    this.listeners.push(listener);
  }

  async release(): Promise<void> {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
    if (this.token === null) return;
    const revision = this.revision;
    this.lose('released', false);
    // Only our own entry: a delete conditioned on our last revision.
    await this.bucket.delete(this.key, { previousSeq: revision }).catch(() => undefined);
    this.onEvent?.({ lease: this.name, what: 'released' });
  }

  private scheduleRenewal(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => {
      this.renewTimer = null;
      void this.renew().then(() => {
        if (this.token !== null && !this.closed()) this.scheduleRenewal();
      });
    }, this.timings.renewEveryMs);
  }

  /** Never rejects: a refused or unconfirmed renewal loses the lease. */
  private async renew(): Promise<void> {
    if (this.token === null) return;
    if (!this.isHeld()) return this.lose('not renewed within its TTL (this process was paused or NATS did not answer)');
    const sentAt = performance.now();
    try {
      this.revision = await this.bucket.update(this.key, JSON.stringify({ holder: this.holderId, token: this.token.toString() }), this.revision);
      this.heldUntil = sentAt + this.timings.ttlMs - this.timings.safetyMarginMs;
      // A confirmation that came back after the lease ran out locally still does not count: the
      // work stopped meanwhile and starts again through acquire().
    } catch (error) {
      const refused = (error as { code?: string }).code === '400' || /wrong last sequence/i.test(String((error as Error).message));
      if (refused) this.lose('another replica holds it now');
      // Otherwise (a timeout, NATS away) keep trying until the local deadline passes.
    }
    if (this.token !== null && !this.isHeld()) this.lose('not renewed within its TTL');
  }

  private lose(reason: string, notify = true): void {
    if (this.token === null) return;
    this.token = null;
    this.heldUntil = 0;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
    if (!notify) return;
    this.onEvent?.({ lease: this.name, what: 'lost', detail: reason });
    for (const listener of this.listeners) listener(reason);
  }
}

/** KV keys allow `[-/_=.a-zA-Z0-9]`; lease names are service and processor names. */
function encodeKey(name: string): string {
  return name.replace(/[^-/_=.a-zA-Z0-9]/g, (c) => `=${c.charCodeAt(0).toString(16)}`);
}

function decodeKey(key: string): string {
  return key.replace(/=([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
