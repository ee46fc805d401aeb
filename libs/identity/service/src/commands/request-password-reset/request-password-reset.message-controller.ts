import { IdentitySubjects } from '@clientele/identity/contracts';
import { commandMetadata } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientAccess } from '../../client-access/client-access';
import { CLIENT_ACCESS, IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { CLIENT_LOGINS, ClientLoginDoc } from '../../read-models/client-logins.projection';
import { LOGINS, LoginDoc } from '../../read-models/identity-views.projection';
import { loginKeyOf } from '../../streams';

/**
 * Forgotten passwords. A request always answers the same, at once, whatever the address: the work
 * (a reset for a client who can sign in, nothing otherwise) happens after the answer, so neither
 * the answer nor its timing tells whether the address is known.
 */
@Controller()
export class RequestPasswordResetMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  @MessagePattern(IdentitySubjects.requestPasswordReset)
  requestReset(@Payload() envelope: RequestEnvelope<{ email: string }>): { accepted: true } {
    void this.issueReset(envelope).catch((error) => this.deps.logger.error('password reset request failed', (error as Error).stack, 'identity'));
    return { accepted: true };
  }

  private async issueReset(envelope: RequestEnvelope<{ email: string }>): Promise<void> {
    const login = await this.deps.documents.collection<LoginDoc>(LOGINS).get(loginKeyOf(envelope.data.email ?? ''));
    if (!login || login.role !== 'client') return;
    // Only the address the client signs in with; the reset mail goes to it.
    const state = await this.deps.documents.collection<ClientLoginDoc>(CLIENT_LOGINS).get(login.userId);
    if (!state || state.loginKey !== login.id) return;
    await this.access.run(
      login.userId,
      { type: 'IssuePasswordReset', tokenId: this.access.newTokenId(), metadata: { now: new Date().toISOString() } },
      this.access.newTokenId(),
      commandMetadata(envelope, { id: login.userId, role: 'client', accountId: login.accountId }),
    );
  }
}
