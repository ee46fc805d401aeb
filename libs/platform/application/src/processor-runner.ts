import type { DocumentStore } from '@clientele/platform/document-store';
import type { WriteOp } from '@clientele/platform/document-store';
import type { EventStore, GlobalPosition, RecordedEvent, Subscription } from '@clientele/platform/event-store';
import { runWithCorrelation } from '@clientele/platform/logging';
import type { EventProcessor } from './event-processor';

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

  constructor(
    private readonly events: EventStore,
    private readonly documents: DocumentStore,
    private readonly processor: EventProcessor,
    private readonly options: ProcessorRunnerOptions = {},
  ) {}

  get name(): string {
    return this.processor.name;
  }

  /** Position of the last event this runner committed (or found as its checkpoint). */
  get lastPosition(): GlobalPosition | null {
    return this.position;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.subscribe(++this.generation);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    await this.flushing;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
    await this.saveCheckpoint().catch((error) => this.options.onError?.(error, this.processor.name));
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
        reject(new Error(`${this.processor.name} did not reach position ${position} within ${timeoutMs} ms`));
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
      await this.documents.commit([...writes, { op: 'checkpoint', processor: this.processor.name, position }]);
      this.unsavedCheckpoint = null;
    }
    this.advanceTo(position);
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
    await this.documents.commit([{ op: 'checkpoint', processor: this.processor.name, position }]);
  }

  private failed(generation: number, error: unknown): void {
    if (generation !== this.generation || !this.running) return;
    this.options.onError?.(error, this.processor.name);
    this.restartTimer = setTimeout(() => {
      if (generation === this.generation && this.running) void this.subscribe(generation);
    }, this.options.retryDelayMs ?? 1000);
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
