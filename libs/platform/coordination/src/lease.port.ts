/**
 * Leases: at most one active worker per named piece of work (a projection, an outbox relay) across
 * every replica of a service, over NATS JetStream KV (`NatsKvLeases`). A process that hosts the only
 * copy of its services (the embedded profile) uses no leases at all.
 *
 * A lease alone cannot stop a writer that was paused (GC, SIGSTOP, a VM migration) past its TTL
 * and then resumes before it notices. So every lease carries a fencing token, higher for every new
 * holder, and the read-model store refuses a commit fenced with a token lower than one it has seen
 * (the `fence` write of the document store). See docs/SCALING.md.
 */
export interface Lease {
  readonly name: string;
  /**
   * Resolves once this process holds the lease, with its fencing token; keeps trying (it may wait
   * for another holder to release it or to die and its TTL to run out). Rejects when the signal
   * aborts or the leases close.
   */
  acquire(signal?: AbortSignal): Promise<bigint>;
  /**
   * True while the lease is surely still held: its last renewal was confirmed and, counted from
   * when that renewal was sent, less than the TTL minus a safety margin has passed on this
   * process's monotonic clock. A process that was paused longer finds it false before it writes.
   */
  isHeld(): boolean;
  /** Called once each time a held lease is lost (a renewal refused, or not confirmed in time). */
  onLost(listener: (reason: string) => void): void;
  /** Gives the lease up at once (a graceful shutdown): another replica takes over on its next try. */
  release(): Promise<void>;
}

export interface Leases {
  /** The one lease object of this name in this process. */
  lease(name: string): Lease;
  /** Who holds each lease now, as the coordination engine sees it (ops and tests). */
  holders(): Promise<Record<string, { holder: string; token: bigint }>>;
  /** This process's identity as a holder. */
  readonly holderId: string;
  /** Releases every lease held and stops renewing. */
  close(): Promise<void>;
}

export interface LeaseTimings {
  /** How long a lease lives without a renewal. Default 5 s. */
  ttlMs: number;
  /** How often the holder renews. Default ttl / 4. */
  renewEveryMs: number;
  /** How often a replica without the lease tries to take it. Default 500 ms. */
  retryEveryMs: number;
  /** The part of the TTL a holder never uses, for clock-rate differences and slow renewals. Default ttl / 5. */
  safetyMarginMs: number;
}

export function leaseTimings(overrides: Partial<LeaseTimings> = {}): LeaseTimings {
  const ttlMs = overrides.ttlMs ?? 5000;
  return {
    ttlMs,
    renewEveryMs: overrides.renewEveryMs ?? Math.max(50, Math.floor(ttlMs / 4)),
    retryEveryMs: overrides.retryEveryMs ?? 500,
    safetyMarginMs: overrides.safetyMarginMs ?? Math.floor(ttlMs / 5),
  };
}

export class LeasesClosedError extends Error {
  constructor() {
    super('the leases are closed');
    this.name = 'LeasesClosedError';
  }
}
