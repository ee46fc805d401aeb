import type { Lease, Leases } from '@clientele/platform/coordination';
import { UnavailableError } from '@clientele/platform/core';
import { DocumentStore, FencedOffError, SwapInProgressError, WriteOp } from '@clientele/platform/document-store';
import type { EventStore, GlobalPosition, RecordedEvent, Subscription } from '@clientele/platform/event-store';
import { runWithCorrelation } from '@clientele/platform/logging';
import type { EventProcessor } from './event-processor';
import { FailureStreak, WorkHealth, serviceOfWorker } from './work-health';

export interface ProcessorRunnerOptions {
  /** Wait before resuming from the checkpoint after a failure. Default 1 s. */
  retryDelayMs?: number;
  /**
   * An event that needs no writes (most events, for an outbox relay) moves the checkpoint only
   * in memory; it is saved with the next write, or after this long. A crash before then replays
   * those events, which every processor must take calmly anyway. Default 250 ms.
   */
  checkpointEveryMs?: number;
  onError?: (error: unknown, processor: string) => void;
  /**
   * Replicas of a service share its stores; with leases, only the replica holding the processor's
   * lease (named after the processor) runs it, and every commit carries the lease's fencing token.
   * The others wait to take over, and answer `waitFor` from the stored checkpoint. Without leases
   * the runner always runs (one process hosts the service).
   */
  leases?: Leases;
  /** Told when this replica starts or stops being the active one (logs, metrics). */
  onLeadership?: (processor: string, active: boolean, detail: string) => void;
  /**
   * Where the runner reports its failures in a row while it runs, for `/health` (default: this
   * process's registry), and the service it works for (default: the processor name's prefix).
   */
  health?: WorkHealth;
  service?: string;
}

/**
 * After a (re)start, a runner that has run this long without a failure is counted as working again,
 * even with no event to handle (a failure of the store that then recovered, with nothing new since).
 */
const QUIET_MEANS_WORKING_MS = 5_000;

/** Thrown inside the runner when its lease ran out before a write: the write is not attempted. */
export class LeaseLostError extends Error {
  constructor(processor: string) {
    super(`${processor}: the lease ran out before this write; another replica takes over`);
    this.name = 'LeaseLostError';
  }
}

interface Waiter {
  position: GlobalPosition;
  resolve: () => void;
}

/**
 * Keeps one EventProcessor running: subscribe after the stored checkpoint, and for each event
 * commit the processor's writes and the event's position in one `commit` (one transaction where
 * the store has them). Any failure (the handler, the commit, reading the checkpoint) stops the
 * subscription; after a pause the runner resumes from the checkpoint, so the failed event is
 * handled again and nothing is skipped. A generation number makes sure that after stop() or a
 * restart no older subscription can still commit.
 */
export class ProcessorRunner {
  private running = false;
  private generation = 0;
  private subscription: Subscription | null = null;
  private position: GlobalPosition | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly waiters = new Set<Waiter>();
  private waiterPoll: NodeJS.Timeout | null = null;
  private unsavedCheckpoint: GlobalPosition | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private batch: RecordedEvent[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private readonly lease: Lease | null;
  /** The fencing token of the lease this runner holds, null while it holds none (or needs none). */
  private fence: bigint | null = null;
  /** Whether this runner is the one processing (always, without leases). */
  private active = false;
  private leadership: AbortController | null = null;
  private leadershipLost: (() => void) | null = null;
  private leading: Promise<void> = Promise.resolve();
  private streak: FailureStreak | null = null;
  private quietTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly events: EventStore,
    private readonly documents: DocumentStore,
    private readonly processor: EventProcessor,
    private readonly options: ProcessorRunnerOptions = {},
  ) {
    this.lease = options.leases?.lease(processor.name) ?? null;
    this.lease?.onLost((reason) => this.loseLeadership(reason));
  }

  get name(): string {
    return this.processor.name;
  }

  /** Position of the last event this runner committed (or found as its checkpoint). */
  get lastPosition(): GlobalPosition | null {
    return this.position;
  }

  /** Whether this replica is the one running the processor now. */
  get isActive(): boolean {
    return this.active;
  }

  /** Its failures in a row and last success while it runs (what `/health` reports), null when stopped. */
  get failures(): FailureStreak | null {
    return this.streak;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.streak = (this.options.health ?? WorkHealth.process).track(this.processor.name, this.options.service ?? serviceOfWorker(this.processor.name));
    if (!this.lease) {
      this.active = true;
      await this.subscribe(++this.generation);
      return;
    }
    // With a lease: start() returns at once; the runner becomes active whenever it takes the lease.
    this.leadership = new AbortController();
    this.leading = this.lead(this.leadership.signal);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.leadership?.abort();
    this.leadershipLost?.();
    await this.leading;
    await this.deactivate();
    await this.lease?.release();
    if (this.streak) (this.options.health ?? WorkHealth.process).forget(this.streak);
    this.streak = null;
  }

  /** Takes the lease, runs while it holds, and starts over when it is lost, until stopped. */
  private async lead(signal: AbortSignal): Promise<void> {
    while (this.running && !signal.aborted) {
      let token: bigint;
      try {
        token = await this.lease!.acquire(signal);
      } catch {
        return; // stopped, or the leases closed
      }
      const lost = new Promise<void>((resolve) => (this.leadershipLost = resolve));
      try {
        // Claim the store before reading the checkpoint: from here on a stale holder's commit fails.
        await this.documents.commit([{ op: 'fence', processor: this.processor.name, token }]);
        this.fence = token;
        this.active = true;
        this.options.onLeadership?.(this.processor.name, true, `fencing token ${token}`);
        await this.subscribe(++this.generation);
      } catch (error) {
        this.options.onError?.(error, this.processor.name);
        this.leadershipLost?.();
      }
      await lost;
      this.leadershipLost = null;
      await this.deactivate();
      if (this.running) await this.lease!.release().catch(() => undefined);
    }
  }

  private loseLeadership(reason: string): void {
    if (!this.active && !this.leadershipLost) return;
    this.options.onLeadership?.(this.processor.name, false, reason);
    this.leadershipLost?.();
  }

  /** Stops processing: no write of this runner is attempted after it resolves. */
  private async deactivate(): Promise<void> {
    const wasActive = this.active;
    this.active = false;
    this.generation++;
    await this.flushing;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.clearQuietTimer();
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
    // A lost lease saves nothing: the next holder replays from the stored checkpoint.
    if (wasActive && (!this.lease || this.lease.isHeld())) await this.saveCheckpoint().catch((error) => this.options.onError?.(error, this.processor.name));
    this.unsavedCheckpoint = null;
    this.fence = null;
  }

  /**
   * Resolves once every event up to `position` that this processor cares about has been
   * processed (read-your-writes). Events its filter leaves out do not hold it back.
   */
  waitFor(position: GlobalPosition, timeoutMs = 5000): Promise<void> {
    if (this.position !== null && this.position >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        // A 503 for the caller, not a 500: the change is recorded, only its read model is behind
        // (its replica just died, or it lost its lease on a NATS node's death), and a retry with
        // the same key answers it. The production rehearsal found these as 500s.
        reject(new UnavailableError(`The change is recorded, but the read model (${this.processor.name}) did not reach position ${position} within ${timeoutMs} ms; try again shortly.`));
      }, timeoutMs);
      this.waiters.add(waiter);
      this.pollWaiters();
    });
  }

  private async subscribe(generation: number): Promise<void> {
    try {
      const checkpoint = await this.documents.getCheckpoint(this.processor.name);
      if (generation !== this.generation) return;
      this.position = checkpoint;
      this.batch = [];
      const subscription = this.events.subscribeToAll(
        async (event) => {
          if (generation !== this.generation) throw new Error('superseded');
          this.assertLease();
          if (this.processor.handleBatch) return this.addToBatch(generation, event);
          // Log lines of this work carry the correlation id of the command that caused the event.
          const writes = await runWithCorrelation(
            { correlationId: event.metadata.correlationId ?? event.id, causationId: event.id },
            () => this.processor.handle(event),
          );
          await this.committed(writes, event.position);
        },
        { after: checkpoint ?? undefined, filter: this.processor.filter },
      );
      this.subscription = subscription;
      this.clearQuietTimer();
      this.quietTimer = setTimeout(() => {
        this.quietTimer = null;
        if (generation === this.generation && this.running) this.streak?.succeeded();
      }, QUIET_MEANS_WORKING_MS);
      this.quietTimer.unref?.();
      subscription.done.then(
        () => undefined,
        (error) => this.failed(generation, error),
      );
    } catch (error) {
      this.failed(generation, error);
    }
  }

  private async committed(writes: readonly WriteOp[], position: GlobalPosition): Promise<void> {
    if (writes.length === 0) {
      this.unsavedCheckpoint = position;
      this.scheduleCheckpoint();
    } else {
      await this.documents.commit(this.fenced([...writes, { op: 'checkpoint', processor: this.processor.name, position }]));
      this.unsavedCheckpoint = null;
    }
    this.streak?.succeeded();
    this.advanceTo(position);
  }

  /**
   * With a lease: refuses to write once the lease ran out by this process's clock (a paused
   * process finds out here), and fences the commit so that the store refuses it if another
   * replica took over meanwhile (a pause between this check and the commit).
   */
  private fenced(ops: WriteOp[]): WriteOp[] {
    if (!this.lease) return ops;
    if (this.fence === null || !this.lease.isHeld()) throw new LeaseLostError(this.processor.name);
    return [{ op: 'fence', processor: this.processor.name, token: this.fence }, ...ops];
  }

  /** Before handling: a processor's own side effects (publishing, appending) wait for the lease too. */
  private assertLease(): void {
    if (this.lease && (this.fence === null || !this.lease.isHeld())) throw new LeaseLostError(this.processor.name);
  }

  /**
   * Batches for processors that handle them: events gather while the subscription reads, and go
   * to the processor, one batch after the other, when 100 are waiting or the reading pauses.
   * Nothing of a batch is checkpointed before the processor finished it (and every batch before
   * it); a failure restarts from the checkpoint, so its events come again.
   */
  private async addToBatch(generation: number, event: RecordedEvent): Promise<void> {
    this.batch.push(event);
    if (this.batch.length >= 100) {
      await this.queueFlush(generation);
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        void this.queueFlush(generation);
      });
    }
  }

  private queueFlush(generation: number): Promise<void> {
    const events = this.batch;
    this.batch = [];
    this.flushing = this.flushing.then(() => this.flushBatch(generation, events));
    return this.flushing;
  }

  /** Never rejects: a failure turns into a restart. */
  private async flushBatch(generation: number, events: RecordedEvent[]): Promise<void> {
    if (events.length === 0 || generation !== this.generation) return;
    try {
      this.assertLease();
      const first = events[0];
      const writes = await runWithCorrelation({ correlationId: first.metadata.correlationId ?? first.id, causationId: first.id }, () =>
        this.processor.handleBatch!(events),
      );
      if (generation !== this.generation) return;
      await this.committed(writes, events[events.length - 1].position);
    } catch (error) {
      if (generation !== this.generation) return;
      this.generation++;
      const subscription = this.subscription;
      this.subscription = null;
      void subscription?.stop();
      this.failed(this.generation, error);
    }
  }

  private scheduleCheckpoint(): void {
    if (this.checkpointTimer) return;
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = null;
      void this.saveCheckpoint().catch((error) => this.options.onError?.(error, this.processor.name));
    }, this.options.checkpointEveryMs ?? 250);
  }

  private async saveCheckpoint(): Promise<void> {
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointTimer = null;
    const position = this.unsavedCheckpoint;
    if (position === null) return;
    this.unsavedCheckpoint = null;
    await this.documents.commit(this.fenced([{ op: 'checkpoint', processor: this.processor.name, position }]));
  }

  private failed(generation: number, error: unknown): void {
    if (generation !== this.generation || !this.running) return;
    if (this.lease && (error instanceof LeaseLostError || error instanceof FencedOffError || !this.lease.isHeld())) {
      // Not a failure to retry: this replica is no longer the one. Stand down; lead() tries again.
      this.loseLeadership(error instanceof Error ? error.message : String(error));
      return;
    }
    this.clearQuietTimer();
    // A rebuild swapping in this processor's collections refused the commit: not a failure (nothing
    // to report or count against its health), a pause. It replays from its checkpoint afterwards.
    if (!(error instanceof SwapInProgressError)) {
      this.streak?.failed(error);
      this.options.onError?.(error, this.processor.name);
    }
    this.restartTimer = setTimeout(() => {
      if (generation === this.generation && this.running) void this.subscribe(generation);
    }, this.options.retryDelayMs ?? 1000);
  }

  private clearQuietTimer(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
  }

  private advanceTo(position: GlobalPosition): void {
    this.position = position;
    for (const waiter of this.waiters) {
      if (position >= waiter.position) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Releases waiters whose position the processor has nothing left to do up to. */
  private pollWaiters(): void {
    if (this.waiterPoll) return;
    this.waiterPoll = setTimeout(async () => {
      this.waiterPoll = null;
      if (this.waiters.size === 0) return;
      try {
        // A replica that is not the active one follows the active one's progress in the shared store.
        if (!this.active) {
          const stored = await this.documents.getCheckpoint(this.processor.name);
          if (stored !== null && (this.position === null || stored > this.position)) this.advanceTo(stored);
        }
        const [next] = await this.events.readAll({ after: this.position ?? undefined, filter: this.processor.filter, maxCount: 1 });
        for (const waiter of this.waiters) {
          if (!next || next.position > waiter.position) {
            this.waiters.delete(waiter);
            waiter.resolve();
          }
        }
      } catch {
        // Try again on the next round.
      }
      if (this.waiters.size > 0) this.pollWaiters();
    }, 20);
  }
}
