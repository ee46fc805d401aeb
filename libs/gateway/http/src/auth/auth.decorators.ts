import { SetMetadata, applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { RequestActor } from '@clientele/platform/bus';

export const PUBLIC_ROUTE = 'clientele:public';
export const ROLES = 'clientele:roles';
export const RATE_LIMITED = 'clientele:rate-limited';

/** No token needed (sign-up, sign-in, health, docs). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** Only these roles get through; others get 403 forbidden. */
export const Roles = (...roles: Array<'admin' | 'coach' | 'client'>) => SetMetadata(ROLES, roles);
/**
 * Counted per client address and route against CLIENTELE_AUTH_RATE_LIMIT a minute (AuthRateLimitGuard,
 * @nestjs/throttler), by every gateway replica together.
 */
export const RateLimited = () =>
  applyDecorators(
    SetMetadata(RATE_LIMITED, true),
    ApiTooManyRequestsResponse({ description: 'rate_limited, with Retry-After (seconds): too many requests from this client address to this route within a minute.' }),
  );

export interface AuthenticatedRequest {
  actor?: RequestActor;
  correlationId?: string;
}

/** The verified actor of the request: from the token, never from the body. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): RequestActor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new Error('CurrentActor used on a public route');
  return actor;
});

export const CorrelationId = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined => context.switchToHttp().getRequest<AuthenticatedRequest>().correlationId,
);
