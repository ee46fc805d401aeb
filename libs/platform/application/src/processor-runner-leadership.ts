import type { Lease, Leases } from '@clientele/platform/coordination';
import { DocumentStore, FencedOffError, WriteOp } from '@clientele/platform/document-store';

/** Thrown inside the runner when its lease ran out before a write: the write is not attempted. */
export class LeaseLostError extends Error {
  constructor(processor: string) {
    super(`${processor}: the lease ran out before this write; another replica takes over`);
    this.name = 'LeaseLostError';
  }
}

/** What the runner does as this replica becomes, or stops being, the one processing. */
export interface LeadershipHooks {
  /** Starts processing; with a lease, once the store is claimed with its fencing token. */
  activate(): Promise<void>;
  /** Stops processing: no write is attempted after it resolves. `wasActive`: it was processing until now. */
  deactivate(wasActive: boolean): Promise<void>;
  onLeadership(active: boolean, detail: string): void;
  onError(error: unknown): void;
}

/**
 * Which replica runs a processor. Without leases, this one, from start to stop (one process hosts
 * the service). With leases, the one holding the processor's lease: it takes the lease, claims
 * the store with the lease's fencing token, runs while the lease holds and starts over when it is
 * lost, until stopped; every write it makes carries the token.
 */
export class ProcessorLeadership {
  private readonly lease: Lease | null;
  /** The fencing token of the lease this replica holds, null while it holds none (or needs none). */
  private token: bigint | null = null;
  /** Whether this replica is the one processing (always, without leases, while started). */
  private active = false;
  private leadership: AbortController | null = null;
  private leadershipLost: (() => void) | null = null;
  private leading: Promise<void> = Promise.resolve();

  constructor(
    private readonly processor: string,
    private readonly documents: Pick<DocumentStore, 'commit'>,
    leases: Leases | undefined,
    private readonly hooks: LeadershipHooks,
  ) {
    this.lease = leases?.lease(processor) ?? null;
    this.lease?.onLost((reason) => this.lose(reason));
  }

  get isActive(): boolean {
    return this.active;
  }

  get fence(): bigint | null {
    return this.token;
  }

  /** Without a lease: resolves once processing started. With one: returns at once; processing starts whenever the lease is taken. */
  async start(): Promise<void> {
    if (!this.lease) {
      this.active = true;
      await this.hooks.activate();
      return;
    }
    this.leadership = new AbortController();
    this.leading = this.lead(this.lease, this.leadership.signal);
  }

  /** Stops leading and processing, then gives the lease up for another replica. */
  async stop(): Promise<void> {
    this.leadership?.abort();
    this.leadershipLost?.();
    await this.leading;
    await this.deactivate();
    await this.lease?.release();
  }

  /** Stands this replica down (the lease was lost, or a write was refused): it tries to take the lease again. */
  lose(reason: string): void {
    if (!this.active && !this.leadershipLost) return;
    this.hooks.onLeadership(false, reason);
    this.leadershipLost?.();
  }

  /** Whether a failure means that this replica is no longer the one processing: not a failure to retry. */
  isLoss(error: unknown): boolean {
    return this.lease !== null && (error instanceof LeaseLostError || error instanceof FencedOffError || !this.lease.isHeld());
  }

  /** True without leases, and while the lease surely holds. */
  holdsLease(): boolean {
    return !this.lease || this.lease.isHeld();
  }

  /**
   * With a lease: refuses to write once the lease ran out by this process's clock (a paused
   * process finds out here), and fences the commit so that the store refuses it if another
   * replica took over meanwhile (a pause between this check and the commit).
   */
  fenced(ops: WriteOp[]): WriteOp[] {
    if (!this.lease) return ops;
    if (this.token === null || !this.lease.isHeld()) throw new LeaseLostError(this.processor);
    return [{ op: 'fence', processor: this.processor, token: this.token }, ...ops];
  }

  /** Before handling: a processor's own side effects (publishing, appending) wait for the lease too. */
  assertHeld(): void {
    if (this.lease && (this.token === null || !this.lease.isHeld())) throw new LeaseLostError(this.processor);
  }

  /** Takes the lease, runs while it holds, and starts over when it is lost, until stopped. */
  private async lead(lease: Lease, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let token: bigint;
      try {
        token = await lease.acquire(signal);
      } catch {
        return; // stopped, or the leases closed
      }
      const lost = new Promise<void>((resolve) => (this.leadershipLost = resolve));
      // Stopped while the lease was being granted (the stop ran before this line, and found no
      // leadership to end): do not start leading, or `stop` would wait for `lost` forever.
      // The lease is released by `stop`.
      if (signal.aborted) {
        this.leadershipLost = null;
        return;
      }
      try {
        // Claim the store before reading the checkpoint: from here on a stale holder's commit fails.
        await this.documents.commit([{ op: 'fence', processor: this.processor, token }]);
        this.token = token;
        this.active = true;
        this.hooks.onLeadership(true, `fencing token ${token}`);
        await this.hooks.activate();
      } catch (error) {
        this.hooks.onError(error);
        this.leadershipLost?.();
      }
      await lost;
      this.leadershipLost = null;
      await this.deactivate();
      if (!signal.aborted) await lease.release().catch(() => undefined);
    }
  }

  private async deactivate(): Promise<void> {
    const wasActive = this.active;
    this.active = false;
    await this.hooks.deactivate(wasActive);
    this.token = null;
  }
}
