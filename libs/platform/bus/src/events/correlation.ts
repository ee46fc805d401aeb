import { runWithCorrelation } from '@clientele/platform/logging';
import type { IntegrationEvent } from '../bus.port';

/** A consumer's work carries the correlation id of the command that started the chain. */
export function handleInCorrelation<T>(event: IntegrationEvent, work: () => Promise<T>): Promise<T> {
  return runWithCorrelation({ correlationId: event.metadata.correlationId ?? event.id, causationId: event.id }, work);
}
