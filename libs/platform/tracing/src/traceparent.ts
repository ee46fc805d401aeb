import { TraceFlags, isSpanContextValid, type SpanContext } from '@opentelemetry/api';

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/#traceparent-header): what a bus request
 * and a recorded event carry so that the work they cause joins the trace that caused them.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The span context a traceparent names, or undefined for anything else (the work then starts a trace of its own). */
export function parseTraceparent(value: unknown): SpanContext | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value.trim());
  // Version ff is forbidden; a future version may add fields after ours, version 00 may not.
  if (!match || match[1] === 'ff' || (match[1] === '00' && match[5] !== undefined)) return undefined;
  const context: SpanContext = { traceId: match[2], spanId: match[3], traceFlags: parseInt(match[4], 16) & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(context) ? context : undefined;
}

export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-0${(context.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}
