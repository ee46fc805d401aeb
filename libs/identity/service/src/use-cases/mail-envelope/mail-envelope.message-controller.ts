import { IdentitySubjects, MailEnvelope, MailRequestedEventData } from '@clientele/identity/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientAccess } from '../../client-access/client-access';
import { CLIENT_ACCESS, IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { ACCOUNTS, AccountDoc } from '../../read-models/identity-views.projection';

/** The link a client mail carries, made from the token id the event recorded (never stored as such). */
@Controller()
export class MailEnvelopeMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(CLIENT_ACCESS) private readonly access: ClientAccess,
  ) {}

  @MessagePattern(IdentitySubjects.mailEnvelope)
  async envelope(@Payload() envelope: RequestEnvelope<MailRequestedEventData>): Promise<MailEnvelope> {
    const { kind, clientId, accountId, tokenId } = envelope.data;
    const account = await this.deps.documents.collection<AccountDoc>(ACCOUNTS).get(accountId);
    const base = this.deps.publicUrl;
    const link =
      kind === 'invitation' && tokenId
        ? `${base}/accept-invitation?token=${this.access.links.create('invitation', clientId, tokenId)}`
        : kind === 'password_reset' && tokenId
          ? `${base}/reset-password?token=${this.access.links.create('reset', clientId, tokenId)}`
          : kind === 'new_message'
            ? `${base}/messages`
            : `${base}/login`;
    return { businessName: account?.businessName ?? 'your coach', link };
  }
}
