import { AppError, ErrorCodes, ErrorPayload } from '@clientele/platform/core';
import { ArgumentsHost, Catch, Logger, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

/**
 * Turns what a message handler throws into an ErrorPayload on the wire. An AppError keeps its code
 * and sentence; anything else is a bug: logged here with its stack, and answered with a generic
 * `internal_error` that leaks nothing.
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('RpcErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    if (exception instanceof AppError) return throwError(() => exception.toPayload());
    const pattern = host.getArgByIndex(1)?.getArgs?.()?.[0];
    this.logger.error(`unhandled error in ${String(pattern ?? 'a message handler')}`, (exception as Error)?.stack ?? String(exception));
    const payload: ErrorPayload = { code: ErrorCodes.internal, detail: 'The service failed to handle the request.' };
    return throwError(() => payload);
  }
}
