import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions } from '@nestjs/throttler';
import { RATE_LIMITED } from './auth.decorators';
import { limitKey } from './limit-keys';
import { RateLimitedError, secondsPhrase } from './rate-limited.error';

/** The one throttler: requests per minute, per client address and route. */
export const AUTH_THROTTLER = 'auth';

/**
 * The throttler's options for the routes marked `@RateLimited()`: a fixed one-minute window per
 * client address (`request.ip`: the peer, or the client a trusted proxy names) and route, of
 * `perMinute` requests; past it, refused until the window ends. `keySecret` keys the record keys.
 */
export function authThrottlerOptions(perMinute: number, keySecret: string): ThrottlerModuleOptions {
  return {
    throttlers: [{ name: AUTH_THROTTLER, ttl: 60_000, limit: perMinute, blockDuration: 0 }],
    // Per route and client address, as an HMAC (see limitKey): the throttler's own key is a plain hash.
    generateKey: (context, tracker, name) => limitKey(keySecret, 'route', `${context.getClass().name}.${context.getHandler().name}`, name, tracker),
    // The problem filter answers Retry-After; no X-RateLimit-* headers (not in the API).
    setHeaders: false,
  };
}

/**
 * @nestjs/throttler's guard on the sign-up, sign-in and other credential routes (`@RateLimited()`):
 * enough for people, too few for password guessing. Its storage decides who counts together: one
 * gateway (memory) or every replica (NATS KV), see RateLimitRecords.
 */
@Injectable()
export class AuthRateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    // Message handlers of services hosted in the same process are not HTTP routes.
    if (context.getType() !== 'http') return true;
    return !this.reflector.getAllAndOverride<boolean>(RATE_LIMITED, [context.getHandler(), context.getClass()]);
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new RateLimitedError(detail.timeToBlockExpire, (seconds) => `Too many attempts from this address; wait ${secondsPhrase(seconds)} and try again.`);
  }
}
