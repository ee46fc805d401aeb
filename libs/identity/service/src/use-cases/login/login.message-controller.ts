import { ACCESS_TOKEN_TTL_SECONDS, AccessTokenClaims, IdentitySubjects, LoginRequest, LoginResult } from '@clientele/identity/contracts';
import { normalizeEmail } from '@clientele/identity/domain';
import { signJwt } from '@clientele/platform/auth';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { DUMMY_HASH, verifyPassword } from '../../passwords';
import { LOGINS, LoginDoc } from '../../read-models/identity-views.projection';

@Controller()
export class LoginMessageController {
  constructor(@Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps) {}

  @MessagePattern(IdentitySubjects.login)
  async login(@Payload() envelope: RequestEnvelope<LoginRequest>): Promise<LoginResult> {
    const { email, password } = envelope.data;
    const login = await this.deps.documents.collection<LoginDoc>(LOGINS).get(normalizeEmail(email));
    // An unknown e-mail costs the same as a wrong password, and answers the same.
    const matches = await verifyPassword(password, login?.passwordHash ?? DUMMY_HASH);
    if (!login || !matches) {
      throw new AppError(ErrorCodes.invalidCredentials, 'The e-mail address or the password is not right.');
    }
    const claims: AccessTokenClaims = { sub: login.userId, role: login.role, acc: login.accountId, caps: login.capabilities };
    return {
      accessToken: signJwt(claims, { secret: this.deps.jwtSecret, expiresInSeconds: ACCESS_TOKEN_TTL_SECONDS }),
      tokenType: 'Bearer',
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      user: {
        id: login.userId,
        role: login.role,
        accountId: login.accountId,
        email: login.email,
        firstName: login.firstName,
        lastName: login.lastName,
      },
    };
  }
}
