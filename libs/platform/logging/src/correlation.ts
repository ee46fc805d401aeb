import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The correlation id of the work in hand (an HTTP request, a bus message, an event being
 * projected), carried implicitly through async calls so every log line of that work carries it.
 */
export interface CorrelationContext {
  correlationId: string;
  causationId?: string;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

export function runWithCorrelation<T>(context: Partial<CorrelationContext>, work: () => T): T {
  return storage.run({ correlationId: context.correlationId ?? randomUUID(), causationId: context.causationId }, work);
}

export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}
