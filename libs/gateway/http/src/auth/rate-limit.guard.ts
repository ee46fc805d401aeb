import { AppError, ErrorCodes } from '@clientele/platform/core';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { RATE_LIMITED } from './auth.decorators';

class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCodes.rateLimited, `Too many attempts from this address; wait ${retryAfterSeconds} seconds and try again.`);
  }
}

/**
 * A fixed one-minute window per IP address and route on the sign-up and sign-in routes: enough
 * for people, too few for password guessing. Each gateway replica counts on its own.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    // Message handlers of services hosted in the same process are not HTTP routes.
    if (context.getType() !== 'http') return true;
    if (!this.reflector.getAllAndOverride<boolean>(RATE_LIMITED, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const now = Date.now();
    const key = `${request.ip}|${request.routeOptions.url}`;
    const window = this.windows.get(key);
    if (!window || now - window.startedAt >= 60_000) {
      this.windows.set(key, { startedAt: now, count: 1 });
      this.forgetOldWindows(now);
      return true;
    }
    window.count++;
    if (window.count > this.deps.authRateLimitPerMinute) {
      throw new RateLimitedError(Math.max(1, Math.ceil((window.startedAt + 60_000 - now) / 1000)));
    }
    return true;
  }

  private forgetOldWindows(now: number): void {
    if (this.windows.size < 10_000) return;
    for (const [key, window] of this.windows) if (now - window.startedAt >= 60_000) this.windows.delete(key);
  }
}
