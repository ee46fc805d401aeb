import { IdentitySubjects } from '@clientele/identity/contracts';
import { staffMemberDecider } from '@clientele/identity/domain';
import { commandIdFor, commandMetadata, handleCommand } from '@clientele/platform/application';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { STAFF, StaffDoc } from '../../read-models/identity-views.projection';
import { staffStream } from '../../streams';

/**
 * An admin sends a member a link to choose a new password (never a password): a single-use link
 * that works for an hour, to the address the member signs in with. A newer link replaces an older one.
 */
@Controller()
export class SendStaffPasswordResetMessageController {
  constructor(@Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps) {}

  @MessagePattern(IdentitySubjects.sendStaffPasswordReset)
  async send(@Payload() envelope: RequestEnvelope<{ userId: string }>): Promise<{ accepted: true }> {
    const admin = requireAdmin(envelope.actor);
    const { userId } = envelope.data;
    const notFound = () => new AppError(ErrorCodes.notFound, 'There is no such staff member in this business.');
    const staff = await this.deps.documents.collection<StaffDoc>(STAFF).get(userId);
    if (!staff || staff.accountId !== admin.accountId) throw notFound();
    const tokenId = randomUUID();
    const result = await handleCommand(
      this.deps.events,
      staffStream(userId),
      staffMemberDecider,
      { type: 'IssueStaffPasswordReset', tokenId, metadata: { requestedBy: admin.id, now: new Date().toISOString() } },
      { commandId: commandIdFor(envelope, (key) => `staff-reset:${userId}:${key}`, `staff-reset:${userId}:${tokenId}`), metadata: commandMetadata(envelope, admin) },
    );
    // Removed meanwhile: nothing was sent.
    if (!result.alreadyHandled && result.events.length === 0) throw notFound();
    return { accepted: true };
  }
}
