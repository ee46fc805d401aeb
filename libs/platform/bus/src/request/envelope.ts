import type { Actor } from '@clientele/platform/core';
import { runWithCorrelation } from '@clientele/platform/logging';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, from, lastValueFrom } from 'rxjs';

/** The actor of a request as the gateway verified it from the token. */
export interface RequestActor extends Actor {
  accountId: string;
  capabilities: string[];
}

/**
 * Every request over the bus has this shape: who asks (taken from the token by the gateway, never
 * from a body), the correlation id of the HTTP request, an optional idempotency key, and the data.
 */
export interface RequestEnvelope<Data> {
  actor?: RequestActor;
  correlationId?: string;
  idempotencyKey?: string;
  data: Data;
}

/** Runs a message handler within the correlation id its envelope carries, for its log lines. */
@Injectable()
export class RequestCorrelationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const envelope = context.switchToRpc().getData() as Partial<RequestEnvelope<unknown>> | undefined;
    return from(runWithCorrelation({ correlationId: envelope?.correlationId }, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }
}
