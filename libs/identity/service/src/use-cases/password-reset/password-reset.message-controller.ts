import { IdentitySubjects, LoginResult } from '@clientele/identity/contracts';
import { commandMetadata, waitForProjections } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientAccess } from '../../client-access/client-access';
import { CLIENT_LOGINS, ClientLoginDoc } from '../../client-access/client-logins.projection';
import { signInAsClient } from '../../client-access/sign-in';
import { CLIENT_ACCESS, IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { hashPassword } from '../../passwords';
import { LOGINS, LoginDoc } from '../../read-models/identity-views.projection';
import { loginKeyOf } from '../../streams';

/**
 * Forgotten passwords. A request always answers the same, at once, whatever the address: the work
 * (a reset for a client who can sign in, nothing otherwise) happens after the answer, so neither
 * the answer nor its timing tells whether the address is known.
 */
@Controller()
export class PasswordResetMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  @MessagePattern(IdentitySubjects.requestPasswordReset)
  requestReset(@Payload() envelope: RequestEnvelope<{ email: string }>): { accepted: true } {
    void this.issueReset(envelope).catch((error) => this.deps.logger.error('password reset request failed', (error as Error).stack, 'identity'));
    return { accepted: true };
  }

  @MessagePattern(IdentitySubjects.confirmPasswordReset)
  async confirm(@Payload() envelope: RequestEnvelope<{ token: string; password: string }>): Promise<LoginResult> {
    const invalid = new AppError(ErrorCodes.validationFailed, 'This reset link is not valid any more: it was used, replaced or has expired. Ask for a new one.', [
      { field: 'token', message: 'is not valid' },
    ]);
    const parsed = this.access.links.parse('reset', envelope.data.token);
    if (!parsed) throw invalid;
    const contact = await this.access.contact(parsed.clientId, envelope.correlationId);
    if (!contact || contact.type === 'offline') throw invalid;
    const result = await this.access.run(
      parsed.clientId,
      { type: 'ResetPassword', tokenId: parsed.tokenId, passwordHash: await hashPassword(envelope.data.password), now: new Date().toISOString() },
      `reset:${parsed.tokenId}`,
      commandMetadata(envelope, { id: parsed.clientId, role: 'client', accountId: contact.accountId }),
    );
    if (result.alreadyHandled) throw invalid;
    await waitForProjections(result.position, this.processors.clientLogins, this.processors.signIns);
    // The reset acts on the login it was issued for: this client's own, never "whoever has this address now".
    const login = await signInAsClient(this.deps, parsed.clientId);
    if (!login) throw invalid;
    return login;
  }

  private async issueReset(envelope: RequestEnvelope<{ email: string }>): Promise<void> {
    const login = await this.deps.documents.collection<LoginDoc>(LOGINS).get(loginKeyOf(envelope.data.email ?? ''));
    if (!login || login.role !== 'client') return;
    // Only the address the client signs in with; the reset mail goes to it.
    const state = await this.deps.documents.collection<ClientLoginDoc>(CLIENT_LOGINS).get(login.userId);
    if (!state || state.loginKey !== login.id) return;
    await this.access.run(
      login.userId,
      { type: 'IssuePasswordReset', tokenId: this.access.newTokenId(), now: new Date().toISOString() },
      this.access.newTokenId(),
      commandMetadata(envelope, { id: login.userId, role: 'client', accountId: login.accountId }),
    );
  }
}
