import { RpcErrorFilter } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { JsonLogger } from '@clientele/platform/logging';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Observable } from 'rxjs';
import { BodyTooDeepError } from './json-body';
import { GatewayErrors } from './gateway-errors';
import { PROBLEM_CONTENT_TYPE, Problem, problem, problemOf } from './problem';

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
    if (exception instanceof AppError) return problemOf(exception);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) return problemOf(GatewayErrors.noRoute());
      if (status === 405) return problemOf(GatewayErrors.methodNotAllowed());
      if (status === 413) return problemOf(GatewayErrors.bodyTooLarge());
      if (status === 415) return problemOf(GatewayErrors.unsupportedMediaType());
      // Fastify's body parser failed before any route ran.
      if (status === 400 && /json/i.test(exception.message)) return problemOf(GatewayErrors.bodyNotJson());
      if (status < 500) return problem(ErrorCodes.validationFailed, exception.message);
    }
    // Fastify's own errors (its body parser: malformed or too deeply nested JSON, a wrong content
    // type, a body over the limit) carry a 4xx statusCode: the caller's mistake, not ours.
    const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      if (fastifyStatus === 413) return problemOf(GatewayErrors.bodyTooLarge());
      if (fastifyStatus === 415) return problemOf(GatewayErrors.unsupportedMediaType());
      return exception instanceof BodyTooDeepError ? problem(ErrorCodes.validationFailed, exception.message) : problemOf(GatewayErrors.bodyNotJson());
    }
    this.logger.error('unhandled error while answering a request', (exception as Error)?.stack ?? String(exception), 'ProblemFilter');
    return problemOf(GatewayErrors.internal());
  }
}
