import { RpcErrorFilter } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { JsonLogger } from '@clientele/platform/logging';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Observable } from 'rxjs';
import { BodyTooDeepError } from './json-body';
import { PROBLEM_CONTENT_TYPE, Problem, problem } from './problem';

/**
 * Every error leaves the gateway as application/problem+json with a stable code. AppErrors keep
 * their code and sentence; Nest's own HTTP errors (unknown route, wrong method) get the matching
 * code; anything else is a bug, logged with its stack and answered without details.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  private readonly rpc = new RpcErrorFilter();

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    // Message handlers of services hosted in the same process answer over the bus, not HTTP.
    if (host.getType() !== 'http') return this.rpc.catch(exception, host);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = this.toProblem(exception);
    if (body.code === ErrorCodes.rateLimited && exception instanceof AppError && 'retryAfterSeconds' in exception) {
      reply.header('retry-after', String((exception as AppError & { retryAfterSeconds: number }).retryAfterSeconds));
    }
    if (body.status === 401) reply.header('www-authenticate', 'Bearer');
    reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }

  private toProblem(exception: unknown): Problem {
    if (exception instanceof AppError) return problem(exception.code, exception.detail, exception.errors);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) return problem(ErrorCodes.notFound, 'There is nothing at this address; check the method and the path.');
      if (status === 405) return problem('method_not_allowed', 'This address does not take this method.');
      if (status === 413) return problem(ErrorCodes.payloadTooLarge, 'The body is larger than 1 MiB; send less at once.');
      if (status === 415) return problem('unsupported_media_type', 'This content type is not accepted here; send application/json.');
      // Fastify's body parser failed before any route ran.
      if (status === 400 && /json/i.test(exception.message)) return problem(ErrorCodes.validationFailed, 'The body is not valid JSON.');
      if (status < 500) return problem(ErrorCodes.validationFailed, exception.message);
    }
    // Fastify's own errors (its body parser: malformed or too deeply nested JSON, a wrong content
    // type, a body over the limit) carry a 4xx statusCode: the caller's mistake, not ours.
    const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      if (fastifyStatus === 413) return problem(ErrorCodes.payloadTooLarge, 'The body is larger than 1 MiB; send less at once.');
      if (fastifyStatus === 415) return problem('unsupported_media_type', 'This content type is not accepted here; send application/json.');
      const detail = exception instanceof BodyTooDeepError ? exception.message : 'The body is not valid JSON.';
      return problem(ErrorCodes.validationFailed, detail);
    }
    this.logger.error('unhandled error while answering a request', (exception as Error)?.stack ?? String(exception), 'ProblemFilter');
    return problem(ErrorCodes.internal, 'Something went wrong on our side; try again, and tell us if it keeps happening.');
  }
}
