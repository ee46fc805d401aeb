import type { DocumentStore } from '@clientele/platform/document-store';
import { runWithCorrelation } from '@clientele/platform/logging';
import type { EventStore, GlobalPosition, Subscription } from '@clientele/platform/event-store';
import type { EventProcessor } from './event-processor';

export interface ProcessorRunnerOptions {
  /** Wait before resuming from the checkpoint after a failure. Default 1 s. */
  retryDelayMs?: number;
  onError?: (error: unknown, processor: string) => void;
}

/**
 * Keeps one EventProcessor running: subscribe after the stored checkpoint, and for each event
 * commit the processor's writes and the event's position in one `commit` (one transaction where
 * the store has them). A failure stops the subscription; after a pause the runner resumes from
 * the checkpoint, so the failed event is handled again and nothing is skipped.
 */
export class ProcessorRunner {
  private subscription: Subscription | null = null;
  private stopped = true;
  private position: GlobalPosition | null = null;
  private readonly waiters = new Set<{ position: GlobalPosition; resolve: () => void }>();
  private restartTimer: NodeJS.Timeout | null = null;

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
    if (!this.stopped) return;
    this.stopped = false;
    await this.subscribe();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.subscription?.stop();
    this.subscription = null;
  }

  /** Resolves once every event up to `position` has been processed (read-your-writes). */
  waitFor(position: GlobalPosition, timeoutMs = 5000): Promise<void> {
    if (this.position !== null && this.position >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
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
    });
  }

  private async subscribe(): Promise<void> {
    const checkpoint = await this.documents.getCheckpoint(this.processor.name);
    this.position = checkpoint;
    const subscription = this.events.subscribeToAll(
      async (event) => {
        // Log lines of this work carry the correlation id of the command that caused the event.
        const writes = await runWithCorrelation(
          { correlationId: event.metadata.correlationId ?? event.id, causationId: event.id },
          () => this.processor.handle(event),
        );
        await this.documents.commit([...writes, { op: 'checkpoint', processor: this.processor.name, position: event.position }]);
        this.advanceTo(event.position);
      },
      { after: checkpoint ?? undefined, filter: this.processor.filter },
    );
    this.subscription = subscription;
    subscription.done.then(
      () => undefined,
      (error) => {
        if (this.stopped) return;
        this.options.onError?.(error, this.processor.name);
        this.restartTimer = setTimeout(() => {
          if (!this.stopped) void this.subscribe().catch((e) => this.options.onError?.(e, this.processor.name));
        }, this.options.retryDelayMs ?? 1000);
      },
    );
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
}
