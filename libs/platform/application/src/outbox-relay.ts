import type { EventBus, IntegrationEvent } from '@clientele/platform/bus';
import type { WriteOp } from '@clientele/platform/document-store';
import type { EventFilter, RecordedEvent } from '@clientele/platform/event-store';
import type { EventProcessor } from './event-processor';

/** Says which domain events are public, and what the other services see of them. */
export type IntegrationEventMapper = (event: RecordedEvent) => IntegrationEvent | null;

/**
 * The outbox relay: reads the service's own event store from its checkpoint and publishes the
 * public events. It runs under a ProcessorRunner, so the checkpoint moves only after the bus
 * acknowledged the publish; a crash in between publishes the event again, with the same id, which
 * the bus and the consumers' inboxes absorb. Nothing is published straight after an append.
 */
export class OutboxRelay implements EventProcessor {
  constructor(
    private readonly bus: Pick<EventBus, 'publish' | 'publishMany'>,
    private readonly toIntegrationEvent: IntegrationEventMapper,
    readonly name = 'outbox',
    readonly filter?: EventFilter,
  ) {}

  async handle(event: RecordedEvent): Promise<readonly WriteOp[]> {
    return this.handleBatch([event]);
  }

  /** Publishes a batch in one go: one durable write on the embedded bus, pipelined acks on JetStream. */
  async handleBatch(events: readonly RecordedEvent[]): Promise<readonly WriteOp[]> {
    const integrationEvents = [];
    for (const event of events) {
      const integrationEvent = this.toIntegrationEvent(event);
      if (!integrationEvent) continue;
      if (integrationEvent.id !== event.id) {
        throw new Error(`integration event ${integrationEvent.subject} must keep the id of ${event.type} ${event.id}`);
      }
      integrationEvents.push(integrationEvent);
    }
    if (integrationEvents.length > 0) await this.bus.publishMany(integrationEvents);
    return [];
  }
}

/**
 * The usual mapping: same id, metadata carried over; the traceparent too (traces on), so that the
 * consumers' spans are children of the span that recorded the event.
 */
export function toIntegrationEvent(event: RecordedEvent, subject: string, data: Record<string, unknown>): IntegrationEvent {
  const { correlationId, causationId, actor, accountId, traceparent } = event.metadata as Record<string, never>;
  return {
    id: event.id,
    subject,
    occurredAt: (event.metadata.occurredAt as string | undefined) ?? event.recordedAt.toISOString(),
    data,
    metadata: { correlationId, causationId: causationId ?? event.id, actor, accountId, ...(traceparent === undefined ? {} : { traceparent }) },
  };
}
