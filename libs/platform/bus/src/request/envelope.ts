import type { Actor } from '@clientele/platform/core';
import { currentTraceparent, runWithCorrelation } from '@clientele/platform/logging';
import { runTraced, tracingOn } from '@clientele/platform/tracing';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { Observable, from, lastValueFrom } from 'rxjs';
import { TRACEPARENT_HEADER } from './namespaced-nats';

/** The actor of a request as the gateway verified it from the token. */
export interface RequestActor extends Actor {
  accountId: string;
  capabilities: string[];
}

/**
 * Every request over the bus has this shape: who asks (taken from the token by the gateway, never
 * from a body), the correlation id of the HTTP request, an optional idempotency key, the W3C
 * traceparent of the asking span when traces are on (over NATS it leaves the envelope for a header:
 * `ClienteleNatsClient`), and the data.
 */
export interface RequestEnvelope<Data> {
  actor?: RequestActor;
  correlationId?: string;
  idempotencyKey?: string;
  traceparent?: string;
  data: Data;
}

/**
 * The payload of a bus request with the traceparent of the work in hand, so that the responder's
 * span is its child (the request client sends every payload through it). Traces off: the payload
 * itself, untouched.
 */
export function withTraceparent<Payload>(payload: Payload): Payload {
  const traceparent = currentTraceparent();
  if (traceparent === undefined || payload === null || typeof payload !== 'object' || Array.isArray(payload)) return payload;
  return { ...payload, traceparent };
}

/**
 * Runs a message handler within the correlation id its envelope carries, for its log lines, and
 * (traces on) in a server span that is the child of the asking one.
 */
@Injectable()
export class RequestCorrelationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const envelope = context.switchToRpc().getData() as Partial<RequestEnvelope<unknown>> | undefined;
    const correlation = { correlationId: envelope?.correlationId };
    const handle = () => lastValueFrom(next.handle(), { defaultValue: undefined });
    // Traces off (the usual case), the hot path stays as it was: no span, no subject lookup.
    if (!tracingOn()) return from(runWithCorrelation(correlation, handle));
    const subject = subjectOf(context);
    const attributes = { 'rpc.system': 'clientele-bus', 'messaging.destination.name': subject };
    return from(runTraced({ name: subject, kind: 'server', parent: traceparentOf(context, envelope), attributes }, correlation, handle));
  }
}

/** The asking span: a NATS request carries it as a header (`ClienteleNatsClient`), an in-process one in its envelope. */
function traceparentOf(context: ExecutionContext, envelope: Partial<RequestEnvelope<unknown>> | undefined): string | undefined {
  const transport = context.switchToRpc().getContext() as unknown;
  const fromHeader = transport instanceof NatsContext ? transport.getHeaders()?.get(TRACEPARENT_HEADER) : undefined;
  return fromHeader || envelope?.traceparent;
}

/** The subject of the handler's `@MessagePattern` (without a NATS namespace). */
function subjectOf(context: ExecutionContext): string {
  const patterns = Reflect.getMetadata(PATTERN_METADATA, context.getHandler()) as unknown;
  const pattern = Array.isArray(patterns) ? patterns[0] : patterns;
  return typeof pattern === 'string' ? pattern : 'bus request';
}
