import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The correlation id of the work in hand (an HTTP request, a bus message, an event being
 * projected), carried implicitly through async calls so every log line of that work carries it.
 */
export interface CorrelationContext {
  correlationId: string;
  causationId?: string;
  /**
   * The W3C trace context of the span doing this work (`00-<trace id>-<span id>-<flags>`), when
   * traces are on (platform/tracing): bus requests and recorded events carry it onwards, log
   * lines carry its trace id. Absent when traces are off.
   */
  traceparent?: string;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

export function runWithCorrelation<T>(context: Partial<CorrelationContext>, work: () => T): T {
  const correlation: CorrelationContext = { correlationId: context.correlationId ?? randomUUID(), causationId: context.causationId };
  if (context.traceparent !== undefined) correlation.traceparent = context.traceparent;
  return storage.run(correlation, work);
}

export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}

/** The trace context of the work in hand, when traces are on. */
export function currentTraceparent(): string | undefined {
  return storage.getStore()?.traceparent;
}

/** The trace id of a W3C traceparent (`00-<32 hex>-<16 hex>-<2 hex>`). */
export function traceIdOf(traceparent: string): string {
  return traceparent.slice(3, 35);
}
