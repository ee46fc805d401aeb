import { AppError, ErrorCodes } from '@clientele/platform/core';
import { type CorrelationContext, runWithCorrelation } from '@clientele/platform/logging';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Attributes, type Span } from '@opentelemetry/api';
import { formatTraceparent, parseTraceparent } from './traceparent';
import { activeTracer } from './tracing';

export type SpanKindName = 'server' | 'client' | 'consumer' | 'producer' | 'internal';

const KINDS: Record<SpanKindName, SpanKind> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  consumer: SpanKind.CONSUMER,
  producer: SpanKind.PRODUCER,
  internal: SpanKind.INTERNAL,
};

export interface SpanStart {
  name: string;
  kind: SpanKindName;
  /**
   * The traceparent of the work that caused this one (an HTTP header, a bus request's envelope, a
   * recorded event's metadata): the span is its child. Missing or malformed: a new trace.
   */
  parent?: unknown;
  attributes?: Attributes;
}

/** One unit of work in a trace. When traces are off, a shared stand-in that records nothing. */
export interface WorkSpan {
  /** Its W3C traceparent, for the work it causes; undefined when traces are off. */
  readonly traceparent: string | undefined;
  setAttributes(attributes: Attributes): void;
  /**
   * The work failed. An AppError is an answer (a 404, a 409), kept as `clientele.error.code`;
   * anything else, and `unavailable`, marks the span as an error.
   */
  failed(error: unknown): void;
  end(): void;
}

/** The span of all work while traces are off: records nothing, carries nothing. */
export const NO_SPAN: WorkSpan = {
  traceparent: undefined,
  setAttributes: () => undefined,
  failed: () => undefined,
  end: () => undefined,
};

class RecordingSpan implements WorkSpan {
  readonly traceparent: string;

  constructor(readonly span: Span) {
    this.traceparent = formatTraceparent(span.spanContext());
  }

  setAttributes(attributes: Attributes): void {
    this.span.setAttributes(attributes);
  }

  failed(error: unknown): void {
    const code = error instanceof AppError ? error.code : (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string') this.span.setAttribute('clientele.error.code', code);
    if (error instanceof AppError && error.code !== ErrorCodes.unavailable) return;
    if (error instanceof Error) this.span.recordException(error);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : typeof code === 'string' ? code : undefined });
  }

  end(): void {
    this.span.end();
  }
}

/** A new span, child of `start.parent` when it names one. Nothing is made when traces are off. */
export function openSpan(start: SpanStart): WorkSpan {
  const tracer = activeTracer();
  if (!tracer) return NO_SPAN;
  const parent = parseTraceparent(start.parent);
  const parentContext = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
  return new RecordingSpan(tracer.startSpan(start.name, { kind: KINDS[start.kind], attributes: start.attributes, root: !parent }, parentContext));
}

/**
 * Runs `work` within the correlation given and the span: its log lines carry the span's trace id,
 * its bus requests and recorded events its traceparent. Ending the span is the caller's.
 */
export function runInSpan<T>(span: WorkSpan, correlation: Partial<CorrelationContext>, work: () => T): T {
  if (!(span instanceof RecordingSpan)) return runWithCorrelation(correlation, work);
  const traced = { ...correlation, traceparent: span.traceparent };
  return context.with(trace.setSpan(ROOT_CONTEXT, span.span), () => runWithCorrelation(traced, work));
}

/** `work` in a span of its own, within `correlation`; the span ends when the work does, failed if it throws. */
export function runTraced<T>(start: SpanStart, correlation: Partial<CorrelationContext>, work: () => Promise<T>): Promise<T> {
  // Traces off: exactly the work within its correlation, as before traces existed.
  if (!activeTracer()) return runWithCorrelation(correlation, work);
  return traced(openSpan(start), correlation, work);
}

async function traced<T>(span: WorkSpan, correlation: Partial<CorrelationContext>, work: () => Promise<T>): Promise<T> {
  try {
    return await runInSpan(span, correlation, work);
  } catch (error) {
    span.failed(error);
    throw error;
  } finally {
    span.end();
  }
}
