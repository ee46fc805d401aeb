import { UnavailableError } from '@clientele/platform/core';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore, GlobalPosition } from '@clientele/platform/event-store';
import type { EventProcessor } from './event-processor';

interface Waiter {
  position: GlobalPosition;
  resolve: () => void;
}

/**
 * Read-your-writes for one processor: the position it reached, and the callers waiting for it to
 * reach theirs. A waiter is released when the processor commits that far, when nothing it cares
 * about is left up to that position, or, on a replica that is not the active one, when the
 * checkpoint the active one stored gets there.
 */
export class PositionWaiters {
  private reached: GlobalPosition | null = null;
  private readonly waiters = new Set<Waiter>();
  private waiterPoll: NodeJS.Timeout | null = null;

  constructor(
    private readonly events: Pick<EventStore, 'readAll' | 'headPosition'>,
    private readonly documents: Pick<DocumentStore, 'getCheckpoint'>,
    private readonly processor: Pick<EventProcessor, 'name' | 'filter'>,
    /** Whether this replica is the one processing: one that is not follows the stored checkpoint. */
    private readonly isActive: () => boolean,
  ) {}

  /** Position of the last event the processor committed (or found as its checkpoint). */
  get position(): GlobalPosition | null {
    return this.reached;
  }

  /** Where processing (re)starts: its stored checkpoint. No waiter is released by it. */
  resumeFrom(checkpoint: GlobalPosition | null): void {
    this.reached = checkpoint;
  }

  /**
   * Resolves once every event up to `position` that this processor cares about has been
   * processed (read-your-writes). Events its filter leaves out do not hold it back.
   */
  waitFor(position: GlobalPosition, timeoutMs = 5000): Promise<void> {
    if (this.reached !== null && this.reached >= position) return Promise.resolve();
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

  /** The processor committed up to `position`: releases the waiters it reached. */
  advanceTo(position: GlobalPosition): void {
    this.reached = position;
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
        if (!this.isActive()) {
          const stored = await this.documents.getCheckpoint(this.processor.name);
          if (stored !== null && (this.reached === null || stored > this.reached)) this.advanceTo(stored);
        }
        // "Nothing left up to a waiter's position" needs that position to be readable. A store may
        // still hide a committed event (PostgreSQL, behind an older transaction open anywhere on the
        // cluster, past its wait): an empty read then says nothing about the waiter's own event, and
        // releasing it answered 404 for the client just added (a CI run under load). Readers see a
        // prefix of the order, so the head read first covers every position up to it; the read after
        // it then sees every event there is up to that head.
        const head = await this.events.headPosition();
        const [next] = await this.events.readAll({ after: this.reached ?? undefined, filter: this.processor.filter, maxCount: 1 });
        for (const waiter of this.waiters) {
          const visible = next !== undefined || (head !== null && head >= waiter.position);
          if (visible && (!next || next.position > waiter.position)) {
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
