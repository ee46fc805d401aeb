import { IdentitySubjects, LoginResult } from '@clientele/identity/contracts';
import { normalizeEmail } from '@clientele/identity/domain';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientAccess } from '../../client-access/client-access';
import { CLIENT_LOGINS, ClientLoginDoc } from '../../client-access/client-logins.projection';
import { signIn } from '../../client-access/sign-in';
import { CLIENT_ACCESS, IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { hashPassword } from '../../passwords';
import { LOGINS, LoginDoc } from '../../read-models/identity-views.projection';

const invalid = () =>
  new AppError(ErrorCodes.validationFailed, 'This invitation link is not valid any more: it was used, replaced or has expired. Ask your coach for a new one.', [
    { field: 'token', message: 'is not valid' },
  ]);

/** The client sets a password from the invitation link, and is signed in. The link works once. */
@Controller()
export class AcceptInvitationMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  @MessagePattern(IdentitySubjects.acceptInvitation)
  async accept(@Payload() envelope: RequestEnvelope<{ token: string; password: string }>): Promise<LoginResult> {
    const parsed = this.access.links.parse('invitation', envelope.data.token);
    if (!parsed) throw invalid();
    const contact = await this.access.contact(parsed.clientId, envelope.correlationId);
    if (!contact || contact.type === 'offline') throw invalid();
    const loginKey = normalizeEmail(contact.email);
    const holder = await this.deps.documents.collection<LoginDoc>(LOGINS).get(loginKey);
    if (holder && holder.userId !== parsed.clientId) {
      throw new AppError(ErrorCodes.emailTaken, `${contact.email} already signs in to Clientele with another account; ask your coach to use another address.`);
    }
    const result = await this.access.run(
      parsed.clientId,
      {
        type: 'AcceptInvitation',
        tokenId: parsed.tokenId,
        email: contact.email,
        firstName: contact.firstName,
        lastName: contact.lastName,
        passwordHash: await hashPassword(envelope.data.password),
        now: new Date().toISOString(),
      },
      `accept:${parsed.tokenId}`,
      { correlationId: envelope.correlationId, actor: { id: parsed.clientId, role: 'client' }, accountId: contact.accountId },
    );
    if (result.alreadyHandled) throw invalid();
    if (result.position !== null) await this.processors.clientLogins.waitFor(result.position);
    const login = await this.deps.documents.collection<LoginDoc>(LOGINS).get(loginKey);
    const state = await this.deps.documents.collection<ClientLoginDoc>(CLIENT_LOGINS).get(parsed.clientId);
    if (!login || !state) throw new Error('the accepted login is missing from the read model');
    return signIn(login, this.deps.jwtSecret, state.epoch);
  }
}
