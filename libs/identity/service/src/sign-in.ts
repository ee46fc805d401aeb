import { ACCESS_TOKEN_TTL_SECONDS, AccessTokenClaims, LoginResult } from '@clientele/identity/contracts';
import { signJwt } from '@clientele/platform/auth';
import type { DocumentStore } from '@clientele/platform/document-store';
import { LOGINS, LoginDoc, STAFF, StaffDoc } from './read-models/identity-views.projection';
import { CLIENT_LOGINS, ClientLoginDoc } from './read-models/client-logins.projection';

/** The access token and user of a successful sign-in, with the access epoch it belongs to. */
export async function signIn(login: LoginDoc, jwtSecret: string, epoch: number): Promise<LoginResult> {
  const claims: AccessTokenClaims = {
    sub: login.userId,
    role: login.role,
    acc: login.accountId,
    caps: login.capabilities,
    ver: epoch,
  };
  return {
    accessToken: await signJwt(claims, { secret: jwtSecret, expiresInSeconds: ACCESS_TOKEN_TTL_SECONDS }),
    tokenType: 'Bearer',
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    user: {
      id: login.userId,
      role: login.role,
      accountId: login.accountId,
      email: login.email,
      firstName: login.firstName,
      lastName: login.lastName,
      // The same capabilities as the token's: the web app hides what the API would refuse.
      ...(login.role === 'client' ? {} : { capabilities: login.capabilities }),
    },
  };
}

/** A staff member's current access epoch; null when they are not (or no longer) a member. */
export async function staffEpoch(documents: DocumentStore, userId: string): Promise<number | null> {
  const staff = await documents.collection<StaffDoc>(STAFF).get(userId);
  return staff ? (staff.epoch ?? 0) : null;
}

/**
 * Signs a client in with their own login, found from the client (never from "whoever has this
 * address now"): null when the client has no active login.
 */
export async function signInAsClient(deps: { documents: DocumentStore; jwtSecret: string }, clientId: string): Promise<LoginResult | null> {
  const state = await deps.documents.collection<ClientLoginDoc>(CLIENT_LOGINS).get(clientId);
  if (!state || state.access !== 'active' || !state.loginKey) return null;
  const login = await deps.documents.collection<LoginDoc>(LOGINS).get(state.loginKey);
  if (!login || login.userId !== clientId || login.role !== 'client') return null;
  return signIn(login, deps.jwtSecret, state.epoch);
}
