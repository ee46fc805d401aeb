import { ACCESS_TOKEN_TTL_SECONDS, AccessTokenClaims, LoginResult } from '@clientele/identity/contracts';
import { signJwt } from '@clientele/platform/auth';
import type { LoginDoc } from '../read-models/identity-views.projection';

/** The access token and user of a successful sign-in (staff, or a client with their access epoch). */
export function signIn(login: LoginDoc, jwtSecret: string, epoch?: number): LoginResult {
  const claims: AccessTokenClaims = {
    sub: login.userId,
    role: login.role,
    acc: login.accountId,
    caps: login.capabilities,
    ...(epoch !== undefined ? { ver: epoch } : {}),
  };
  return {
    accessToken: signJwt(claims, { secret: jwtSecret, expiresInSeconds: ACCESS_TOKEN_TTL_SECONDS }),
    tokenType: 'Bearer',
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    user: { id: login.userId, role: login.role, accountId: login.accountId, email: login.email, firstName: login.firstName, lastName: login.lastName },
  };
}
