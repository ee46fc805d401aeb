import { IdentitySubjects, type AccessTokenClaims } from '@clientele/identity/contracts';
import { verifyJwt } from '@clientele/platform/auth';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { runInSpan } from '@clientele/platform/tracing';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { requestSpan } from '../http/correlation.interceptor';
import { AuthenticatedRequest, PUBLIC_ROUTE, ROLES } from './auth.decorators';

/**
 * Every route needs a valid access token unless marked @Public(). The actor (user, role,
 * account, capabilities) is taken from the verified token only and attached to the request.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Message handlers of services hosted in the same process are not HTTP routes.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' && /^Bearer [^\s]+$/i.test(header) ? header.slice(7) : null;
    if (!token) throw new AppError(ErrorCodes.unauthorized, 'Sign in and send the access token as "Authorization: Bearer <token>".');
    const verified = await verifyJwt<AccessTokenClaims>(token, this.deps.jwtSecret);
    if (!verified.ok) throw new AppError(ErrorCodes.unauthorized, 'The access token is not valid or has expired; sign in again.');
    const { sub, role, acc, caps, ver } = verified.claims;
    request.actor = { id: sub, role, accountId: acc, capabilities: Array.isArray(caps) ? caps : [] };

    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES, targets);
    // Client tokens reach only routes made for clients (/api/v1/me/...).
    if (role === 'client' ? !roles?.includes('client') : roles !== undefined && !roles.includes(role)) {
      throw new AppError(ErrorCodes.forbidden, role === 'client' ? 'This is for the business staff, not for clients.' : 'Only an administrator of the business can do this.');
    }
    // Access ends at once (a sign-out, a password change, a removed staff member, a client gone
    // offline or deleted), not when the token expires: identity is asked on every request. The
    // guard runs before the correlation interceptor: with traces on, the question is asked within
    // the request's span, so that it is part of the request's trace.
    const span = requestSpan(request, context.switchToHttp().getResponse<FastifyReply>());
    const ask = <T>(subject: string, data: unknown) => {
      const asking = () => this.deps.requests.request<T>(subject, { correlationId: request.correlationId, data });
      return span.traceparent === undefined ? asking() : runInSpan(span, { correlationId: request.correlationId }, asking);
    };
    if (role === 'client') {
      const session = await ask<{ valid: boolean; reason?: 'access_paused' }>(IdentitySubjects.checkClientSession, { clientId: sub, epoch: typeof ver === 'number' ? ver : -1 });
      if (!session.valid) {
        throw new AppError(
          ErrorCodes.unauthorized,
          session.reason === 'access_paused'
            ? 'Your coach has paused your access to the client app; ask them if you want it back.'
            : 'Your access to the client app has ended; sign in again, or ask your coach.',
        );
      }
    } else {
      // Tokens signed before staff had access epochs carry none: they belong to the first one.
      const session = await ask<{ valid: boolean }>(IdentitySubjects.checkStaffSession, { userId: sub, epoch: typeof ver === 'number' ? ver : 0 });
      if (!session.valid) throw new AppError(ErrorCodes.unauthorized, 'This session has ended (signed out, password changed or access removed); sign in again.');
    }
    return true;
  }
}
