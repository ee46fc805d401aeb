import { IdentitySubjects, LoginRequest, LoginResult } from '@clientele/identity/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientAccess } from '../../client-access/client-access';
import { CLIENT_LOGINS, ClientLoginDoc } from '../../read-models/client-logins.projection';
import { signIn, staffEpoch } from '../../sign-in';
import { CLIENT_ACCESS, IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { DUMMY_HASH, verifyPassword } from '../../passwords';
import { LOGINS, LoginDoc } from '../../read-models/identity-views.projection';
import { loginKeyOf } from '../../streams';

/** What an offline client who typed the right password is told (the web's client sign-in page shows it as it is). */
export const ACCESS_PAUSED_SENTENCE =
  'Your coach has paused your access to the client app, so you cannot sign in for now. Your coach still has your details; ask them if you want your access back.';

const accessPaused = () => new AppError(ErrorCodes.invalidCredentials, ACCESS_PAUSED_SENTENCE);

@Controller()
export class LoginMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  @MessagePattern(IdentitySubjects.login)
  async login(@Payload() envelope: RequestEnvelope<LoginRequest>): Promise<LoginResult> {
    const { email, password } = envelope.data;
    const login = await this.deps.documents.collection<LoginDoc>(LOGINS).get(loginKeyOf(email));
    // An unknown e-mail costs the same as a wrong password, and answers the same.
    const matches = await verifyPassword(password, login?.passwordHash ?? DUMMY_HASH);
    const refused = new AppError(ErrorCodes.invalidCredentials, 'The e-mail address or the password is not right.');
    if (!login || !matches) throw refused;
    if (login.role !== 'client') {
      const epoch = await staffEpoch(this.deps.documents, login.userId);
      if (epoch === null) throw refused;
      return signIn(login, this.deps.jwtSecret, epoch);
    }
    // A client signs in only while their access is active and the roster has them on a full-access type.
    const state = await this.deps.documents.collection<ClientLoginDoc>(CLIENT_LOGINS).get(login.userId);
    const contact = await this.access.contact(login.userId, envelope.correlationId);
    if (!state || state.loginKey !== login.id || !contact) throw refused;
    // The right password of a client their coach switched to offline: the same status and code (docs/api.md),
    // and a sentence that tells them why. Only after the password matched, so it reveals nothing to a guesser.
    if (contact.type === 'offline' || state.access === 'revoked') throw accessPaused();
    if (state.access !== 'active') throw refused;
    return signIn(login, this.deps.jwtSecret, state.epoch);
  }
}
