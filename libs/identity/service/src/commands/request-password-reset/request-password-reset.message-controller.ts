import { IdentitySubjects } from '@clientele/identity/contracts';
import { staffMemberDecider } from '@clientele/identity/domain';
import { commandMetadata, handleCommand } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientAccess } from '../../client-access/client-access';
import { CLIENT_ACCESS, IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { CLIENT_LOGINS, ClientLoginDoc } from '../../read-models/client-logins.projection';
import { LOGINS, LoginDoc, STAFF, StaffDoc } from '../../read-models/identity-views.projection';
import { loginKeyOf, staffStream } from '../../streams';

/**
 * Forgotten passwords. A request always answers the same, at once, whatever the address: the work
 * (a reset for a client who can sign in or a staff member, nothing otherwise) happens after the
 * answer, so neither the answer nor its timing tells whether the address is known, nor whose it is.
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
    if (!login) return;
    if (login.role !== 'client') return this.issueStaffReset(envelope, login);
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

  /** A staff member's own reset: the mail goes to the address they sign in with (this one). */
  private async issueStaffReset(envelope: RequestEnvelope<{ email: string }>, login: LoginDoc): Promise<void> {
    const staff = await this.deps.documents.collection<StaffDoc>(STAFF).get(login.userId);
    if (!staff || loginKeyOf(staff.email) !== login.id) return;
    const tokenId = this.access.newTokenId();
    await handleCommand(
      this.deps.events,
      staffStream(staff.id),
      staffMemberDecider,
      { type: 'IssueStaffPasswordReset', tokenId, metadata: { requestedBy: null, now: new Date().toISOString() } },
      { commandId: `staff-reset:${staff.id}:${tokenId}`, metadata: commandMetadata(envelope, { id: staff.id, role: staff.role, accountId: staff.accountId }) },
    );
  }
}
