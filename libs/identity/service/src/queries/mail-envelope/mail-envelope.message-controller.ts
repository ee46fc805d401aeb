import { IdentitySubjects, MailEnvelope, MailRequestedEventData } from '@clientele/identity/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { clientLoginStream, type ClientAccess } from '../../client-access/client-access';
import { CLIENT_ACCESS, IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { ACCOUNTS, AccountDoc } from '../../read-models/identity-views.projection';

/**
 * What a client mail needs: the link (made from the token id the event recorded, never stored as
 * such) and the address it must go to. A link is bound to an address, so the mail goes there and
 * nowhere else: an invitation to the address it was issued for, an address confirmation to the
 * new address, the notice of it to the current sign-in, and the login's own mails (reset, login
 * details, access restored) to the address the client signs in with.
 */
@Controller()
export class MailEnvelopeMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  @MessagePattern(IdentitySubjects.mailEnvelope)
  async envelope(@Payload() envelope: RequestEnvelope<MailRequestedEventData>): Promise<MailEnvelope> {
    const { kind, clientId, accountId, tokenId, mailId } = envelope.data;
    const account = await this.deps.documents.collection<AccountDoc>(ACCOUNTS).get(accountId);
    const base = this.deps.publicUrl;
    const link =
      kind === 'invitation' && tokenId
        ? `${base}/accept-invitation?token=${this.access.links.create('invitation', clientId, tokenId)}`
        : kind === 'password_reset' && tokenId
          ? `${base}/reset-password?token=${this.access.links.create('reset', clientId, tokenId)}`
          : kind === 'email_change_confirmation' && tokenId
            ? `${base}/confirm-email?token=${this.access.links.create('email', clientId, tokenId)}`
            : kind === 'new_message'
              ? `${base}/messages`
              : `${base}/login`;
    const to = kind === 'new_message' ? undefined : await this.recipient(clientId, mailId);
    return { businessName: account?.businessName ?? 'your coach', link, ...(to !== undefined ? { to } : {}) };
  }

  /** The address the mail's event was bound to; '' when it was erased or cannot be found. */
  private async recipient(clientId: string, mailId: string): Promise<string> {
    const history = await this.access.events.readStream(clientLoginStream(clientId));
    const index = history.findIndex((recorded) => recorded.id === mailId);
    if (index === -1) return '';
    const event = await this.access.codec.decode(history[index]);
    switch (event.type) {
      case 'ClientInvitationIssued':
      case 'ClientEmailChangeRequested':
      case 'ClientEmailChangeNoticeSent':
        return event.data.email;
      default: {
        // The login's own mails go to the address it signed in with when the mail was asked for.
        let signIn = '';
        for (const recorded of history.slice(0, index + 1)) {
          if (recorded.type !== 'ClientInvitationAccepted' && recorded.type !== 'ClientSignInEmailChanged') continue;
          const decoded = await this.access.codec.decode(recorded);
          if (decoded.type === 'ClientInvitationAccepted' || decoded.type === 'ClientSignInEmailChanged') signIn = decoded.data.email;
        }
        return signIn;
      }
    }
  }
}
