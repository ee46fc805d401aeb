import { NO_SPAN, openSpan, runInSpan, tracingOn, type WorkSpan } from '@clientele/platform/tracing';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Observable, from, lastValueFrom } from 'rxjs';

const HEADER = 'x-correlation-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Every request runs within a correlation id (the caller's, when it sends a sane one), echoed in
 * the answer; with traces on, also within its server span (`requestSpan`).
 */
@Injectable()
export class CorrelationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { correlationId?: string }>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const given = request.headers[HEADER];
    const correlationId = request.correlationId ?? (typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID());
    request.correlationId = correlationId;
    void reply.header(HEADER, correlationId);
    return from(runInSpan(requestSpan(request, reply), { correlationId }, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }
}

const SPAN = Symbol('the request span');

/**
 * The server span of an HTTP request when traces are on: the child of the caller's W3C
 * `traceparent` header when it sends one, else the root of a new trace; every bus request and
 * every event the request causes, in every service, joins that trace. Opened by whoever needs it
 * first (the auth guard, which asks identity before the interceptor runs, or the interceptor), and
 * ended when the answer has been sent, with its status code (the problem filter's included).
 * Traces off: a stand-in that records nothing.
 */
export function requestSpan(request: FastifyRequest, reply: FastifyReply): WorkSpan {
  if (!tracingOn()) return NO_SPAN;
  const holder = request as FastifyRequest & { [SPAN]?: WorkSpan };
  const existing = holder[SPAN];
  if (existing) return existing;
  const path = request.url.split('?')[0];
  const route = request.routeOptions?.url ?? path;
  const span = openSpan({
    name: `${request.method} ${route}`,
    kind: 'server',
    parent: request.headers.traceparent,
    attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_HTTP_ROUTE]: route, [ATTR_URL_PATH]: path },
  });
  holder[SPAN] = span;
  if (span.traceparent !== undefined) {
    reply.raw.once('close', () => {
      span.setAttributes({ [ATTR_HTTP_RESPONSE_STATUS_CODE]: reply.statusCode });
      if (reply.statusCode >= 500) span.failed(new Error(`answered ${reply.statusCode}`));
      span.end();
    });
  }
  return span;
}
