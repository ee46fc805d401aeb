import { runWithCorrelation } from '@clientele/platform/logging';
import { runTraced, tracingOn } from '@clientele/platform/tracing';
import type { IntegrationEvent } from '../bus.port';

/**
 * A consumer's work carries the correlation id of the command that started the chain and (traces
 * on) runs in a span that is the child of the one that recorded the event (its traceparent, which
 * the outbox copied from the event's metadata): one trace from the first request to the last reaction.
 */
export function handleInCorrelation<T>(event: IntegrationEvent, work: () => Promise<T>): Promise<T> {
  const correlation = { correlationId: event.metadata.correlationId ?? event.id, causationId: event.id };
  if (!tracingOn()) return runWithCorrelation(correlation, work);
  return runTraced(
    {
      name: `${event.subject} process`,
      kind: 'consumer',
      parent: event.metadata.traceparent,
      attributes: { 'messaging.operation.type': 'process', 'messaging.destination.name': event.subject, 'messaging.message.id': event.id },
    },
    correlation,
    work,
  );
}
