import type { Leases } from '@clientele/platform/coordination';
import { DocumentStore, SwapInProgressError, WriteOp } from '@clientele/platform/document-store';
import type { EventStore, GlobalPosition, RecordedEvent, Subscription } from '@clientele/platform/event-store';
import { runWithCorrelation } from '@clientele/platform/logging';
import { runTraced } from '@clientele/platform/tracing';
import type { EventProcessor } from './event-processor';
import { OutboxRelay } from './outbox-relay';
import { ProcessorCheckpoints } from './processor-runner-checkpoints';
import { ProcessorLeadership } from './processor-runner-leadership';
import { PositionWaiters } from './processor-runner-waiters';
import { FailureStreak, WorkHealth, serviceOfWorker } from './work-health';

export { LeaseLostError } from './processor-runner-leadership';

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
  /**
   * How long a command waits in `waitFor` for this read model before answering 503 (the change
   * is recorded; a retry with the same key answers it). Default `DEFAULT_READ_MODEL_WAIT_MS`; a
   * host gives a little less than its request timeout, so the caller reads this clear answer
   * rather than a lost request.
   */
  readModelWaitMs?: number;
}

/** How long a command waits for a read model unless its host says otherwise. */
export const DEFAULT_READ_MODEL_WAIT_MS = 5000;

/**
 * After a (re)start, a runner that has run this long without a failure is counted as working again,
 * even with no event to handle (a failure of the store that then recovered, with nothing new since).
 */
const QUIET_MEANS_WORKING_MS = 5_000;

/** The runners started in this process, for metrics: each host picks those over its own event stores. */
const started = new Set<ProcessorRunner>();

/**
 * Keeps one EventProcessor running: subscribe after the stored checkpoint, and for each event
 * commit the processor's writes and the event's position in one `commit` (one transaction where
 * the store has them). Any failure (the handler, the commit, reading the checkpoint) stops the
 * subscription; after a pause the runner resumes from the checkpoint, so the failed event is
 * handled again and nothing is skipped. A generation number makes sure that after stop() or a
 * restart no older subscription can still commit. Its parts: leadership (which replica runs it,
 * and the lease's fencing of its writes), checkpoints, and the waiters on its position.
 */
export class ProcessorRunner {
  private running = false;
  private generation = 0;
  private subscription: Subscription | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private batch: RecordedEvent[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private streak: FailureStreak | null = null;
  private quietTimer: NodeJS.Timeout | null = null;
  private readonly leadership: ProcessorLeadership;
  private readonly checkpoints: ProcessorCheckpoints;
  private readonly waiters: PositionWaiters;

  constructor(
    private readonly events: EventStore,
    private readonly documents: DocumentStore,
    private readonly processor: EventProcessor,
    private readonly options: ProcessorRunnerOptions = {},
  ) {
    const onError = (error: unknown) => this.options.onError?.(error, this.processor.name);
    this.leadership = new ProcessorLeadership(processor.name, documents, options.leases, {
      activate: () => this.subscribe(++this.generation),
      deactivate: (wasActive) => this.deactivate(wasActive),
      onLeadership: (active, detail) => this.options.onLeadership?.(this.processor.name, active, detail),
      onError,
    });
    this.checkpoints = new ProcessorCheckpoints(
      processor.name,
      (ops) => this.documents.commit(this.leadership.fenced(ops)),
      options.checkpointEveryMs ?? 250,
      onError,
    );
    this.waiters = new PositionWaiters(events, documents, processor, () => this.leadership.isActive);
  }

  get name(): string {
    return this.processor.name;
  }

  /** The runners of this process started over `events` (one service's event store) and not stopped. */
  static runningOver(events: EventStore): ProcessorRunner[] {
    return [...started].filter((runner) => runner.events === events);
  }

  /** Whether it relays the service's events to the bus (an outbox relay) rather than keeping a read model or reacting. */
  get relaysOutbox(): boolean {
    return this.processor instanceof OutboxRelay;
  }

  /** Whether it runs under a lease (replicas over NATS), rather than simply in this process. */
  get leased(): boolean {
    return this.options.leases !== undefined;
  }

  /**
   * How many events after its position it has still to handle (those its filter takes), counted up
   * to `limit` (counting reads them); null while this replica does not run it. For metrics: read
   * at scrape time, never on the processing path.
   */
  async backlog(limit: number): Promise<number | null> {
    if (!this.running || !this.leadership.isActive) return null;
    const events = await this.events.readAll({ after: this.lastPosition ?? undefined, filter: this.processor.filter, maxCount: limit });
    return events.length;
  }

  /** Position of the last event this runner committed (or found as its checkpoint). */
  get lastPosition(): GlobalPosition | null {
    return this.waiters.position;
  }

  /** Whether this replica is the one running the processor now. */
  get isActive(): boolean {
    return this.leadership.isActive;
  }

  /** The fencing token this replica holds, null while it holds none (the lease suite reads it). */
  private get fence(): bigint | null {
    return this.leadership.fence;
  }

  /** Its failures in a row and last success while it runs (what `/health` reports), null when stopped. */
  get failures(): FailureStreak | null {
    return this.streak;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.streak = (this.options.health ?? WorkHealth.process).track(this.processor.name, this.options.service ?? serviceOfWorker(this.processor.name));
    started.add(this);
    // With a lease: start() returns at once; the runner becomes active whenever it takes the lease.
    await this.leadership.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    started.delete(this);
    await this.leadership.stop();
    if (this.streak) (this.options.health ?? WorkHealth.process).forget(this.streak);
    this.streak = null;
  }

  /** Stops processing: no write of this runner is attempted after it resolves. */
  private async deactivate(wasActive: boolean): Promise<void> {
    this.generation++;
    await this.flushing;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.clearQuietTimer();
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
    // A lost lease saves nothing: the next holder replays from the stored checkpoint.
    if (wasActive && this.leadership.holdsLease()) await this.checkpoints.save().catch((error) => this.options.onError?.(error, this.processor.name));
    this.checkpoints.discard();
  }

  /**
   * Resolves once every event up to `position` that this processor cares about has been
   * processed (read-your-writes). Events its filter leaves out do not hold it back.
   */
  waitFor(position: GlobalPosition, timeoutMs = this.options.readModelWaitMs ?? DEFAULT_READ_MODEL_WAIT_MS): Promise<void> {
    return this.waiters.waitFor(position, timeoutMs);
  }

  private async subscribe(generation: number): Promise<void> {
    try {
      const checkpoint = await this.documents.getCheckpoint(this.processor.name);
      if (generation !== this.generation) return;
      this.waiters.resumeFrom(checkpoint);
      this.batch = [];
      const subscription = this.events.subscribeToAll(
        async (event) => {
          if (generation !== this.generation) throw new Error('superseded');
          this.leadership.assertHeld();
          if (this.processor.handleBatch) return this.addToBatch(generation, event);
          // Log lines of this work carry the correlation id of the command that caused the event; with
          // traces on, it is a span of the trace that recorded the event (an event recorded without one makes none).
          const correlation = { correlationId: event.metadata.correlationId ?? event.id, causationId: event.id };
          const handle = () => this.processor.handle(event);
          const writes = await (event.metadata.traceparent === undefined
            ? runWithCorrelation(correlation, handle)
            : runTraced({ name: `${this.processor.name} ${event.type}`, kind: 'consumer', parent: event.metadata.traceparent, attributes: { 'clientele.processor': this.processor.name } }, correlation, handle));
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
    await this.checkpoints.commitWith(writes, position);
    this.streak?.succeeded();
    this.waiters.advanceTo(position);
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
      this.leadership.assertHeld();
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

  private failed(generation: number, error: unknown): void {
    if (generation !== this.generation || !this.running) return;
    if (this.leadership.isLoss(error)) {
      // Not a failure to retry: this replica is no longer the one. Stand down; the leadership tries again.
      this.leadership.lose(error instanceof Error ? error.message : String(error));
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
}
