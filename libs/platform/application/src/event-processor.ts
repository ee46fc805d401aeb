import type { WriteOp } from '@clientele/platform/document-store';
import type { EventFilter, RecordedEvent } from '@clientele/platform/event-store';

/**
 * Anything that reacts to a service's own events from a stored checkpoint: projections (they
 * answer with read-model writes) and the outbox relay (it publishes, and answers with nothing).
 * The runner commits the answer and the new checkpoint together.
 */
export interface EventProcessor {
  /** Names the checkpoint: `checkpoint_<name>`. */
  readonly name: string;
  readonly filter?: EventFilter;
  handle(event: RecordedEvent): Promise<readonly WriteOp[]>;
  /**
   * When present, the runner hands events over in batches (up to 100, in order) instead: for work
   * that gets much cheaper together, such as publishing (one durable write for many events).
   */
  handleBatch?(events: readonly RecordedEvent[]): Promise<readonly WriteOp[]>;
}
