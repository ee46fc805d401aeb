import type { Actor } from '@clientele/platform/core';
import { currentTraceparent, runWithCorrelation } from '@clientele/platform/logging';
import { runTraced, tracingOn } from '@clientele/platform/tracing';
import { NatsContext } from '@nestjs/microservices';
import { Observable, isObservable, lastValueFrom, of, throwError } from 'rxjs';
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

/** A `@MessagePattern` handler as Nest hands it to a transport: it answers with an Observable (an error one when it failed). */
export type MessageHandlerFn = (data: unknown, context: unknown) => Promise<Observable<unknown> | unknown>;

/**
 * Runs a message handler within the correlation id its envelope carries, for its log lines, and
 * (traces on) in a server span that is the child of the asking one. Both request transports wrap
 * every handler with it when they register it (`InProcessServer`, `DrainingNatsServer`). It was a
 * Nest interceptor: Nest runs interceptors through rxjs and `AsyncResource.bind`, about 4% of an
 * embedded AddClient's busy time for this one context (bench/RESULTS.md, issue 23 session 13).
 */
export function withRequestContext<Handler extends MessageHandlerFn>(subject: string, handler: Handler): Handler {
  const wrapped = (data: unknown, context: unknown) => {
    const envelope = data as Partial<RequestEnvelope<unknown>> | null | undefined;
    const correlation = { correlationId: envelope?.correlationId };
    // Traces off (the usual case), the hot path stays as it was: no span, no Observable opened here.
    if (!tracingOn()) return runWithCorrelation(correlation, () => handler(data, context));
    const attributes = { 'rpc.system': 'clientele-bus', 'messaging.destination.name': subject };
    // The span lasts until the answer is known: Nest's handler answers a failure with an error Observable.
    const answered = runTraced({ name: subject, kind: 'server', parent: traceparentOf(context, envelope), attributes }, correlation, async () => {
      const answer = await handler(data, context);
      return isObservable(answer) ? lastValueFrom(answer, { defaultValue: undefined }) : answer;
    });
    return answered.then(
      (value) => of(value),
      (error: unknown) => throwError(() => error),
    );
  };
  return Object.assign(wrapped, handler) as unknown as Handler;
}

/** The asking span: a NATS request carries it as a header (`ClienteleNatsClient`), an in-process one in its envelope. */
function traceparentOf(context: unknown, envelope: Partial<RequestEnvelope<unknown>> | null | undefined): string | undefined {
  const fromHeader = context instanceof NatsContext ? context.getHeaders()?.get(TRACEPARENT_HEADER) : undefined;
  return fromHeader || envelope?.traceparent;
}

