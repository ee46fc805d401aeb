import { IdentitySubjects, StaffMailEnvelope, StaffMailRequestedEventData } from '@clientele/identity/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { ACCOUNTS, AccountDoc, STAFF, StaffDoc } from '../../read-models/identity-views.projection';
import { StaffResetLinks } from '../../staff-access/staff-reset-links';

/**
 * What a mail to a staff member needs: the address they sign in with, their first name, the
 * business's current name, and the link (made from the token id the event recorded, never stored as
 * such). A member removed since gets nothing (`to` empty).
 */
@Controller()
export class StaffMailEnvelopeMessageController {
  private readonly links: StaffResetLinks;

  constructor(@Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps) {
    this.links = new StaffResetLinks(deps.jwtSecret);
  }

  @MessagePattern(IdentitySubjects.staffMailEnvelope)
  async envelope(@Payload() envelope: RequestEnvelope<StaffMailRequestedEventData>): Promise<StaffMailEnvelope> {
    const { userId, accountId, tokenId } = envelope.data;
    const [account, staff] = await Promise.all([
      this.deps.documents.collection<AccountDoc>(ACCOUNTS).get(accountId),
      this.deps.documents.collection<StaffDoc>(STAFF).get(userId),
    ]);
    const base = this.deps.publicUrl;
    const link = tokenId ? `${base}/reset-password?token=${this.links.create(userId, tokenId)}` : `${base}/signin`;
    const member = staff && staff.accountId === accountId ? staff : null;
    return { businessName: account?.businessName ?? 'Clientele', firstName: member?.firstName ?? '', to: member?.email ?? '', link };
  }
}
