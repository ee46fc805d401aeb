import { runWithCorrelation } from '@clientele/platform/logging';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Observable, from, lastValueFrom } from 'rxjs';

const HEADER = 'x-correlation-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,100}$/;

/** Every request runs within a correlation id (the caller's, when it sends a sane one), echoed in the answer. */
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
    return from(runWithCorrelation({ correlationId }, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }
}
