import { ClientsSubjects } from '@clientele/clients/contracts';
import { IdentityErrors, IdentitySubjects } from '@clientele/identity/contracts';
import { loginEmailDecider, staffMemberDecider } from '@clientele/identity/domain';
import { commandMetadata, handleCommand, waitForProjections } from '@clientele/platform/application';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { ACCOUNTS, AccountDoc, STAFF, StaffDoc } from '../../read-models/identity-views.projection';
import { loginEmailStream, staffStream } from '../../streams';

/**
 * An admin removes a coach or another admin. Their tokens die on the next request, their address
 * is free again, and they disappear from the staff list. The owner of the business cannot be
 * removed, and a coach who still has clients must hand them over first (nobody would see them).
 */
@Controller()
export class RemoveStaffMemberMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
  ) {}

  @MessagePattern(IdentitySubjects.removeStaffMember)
  async remove(@Payload() envelope: RequestEnvelope<{ userId: string }>): Promise<{ removed: true }> {
    const admin = requireAdmin(envelope.actor);
    const { userId } = envelope.data;
    const staff = await this.deps.documents.collection<StaffDoc>(STAFF).get(userId);
    // Another business's member, or nobody: the same answer.
    if (!staff || staff.accountId !== admin.accountId) throw new AppError(ErrorCodes.notFound, 'There is no such staff member in this business.');
    const account = await this.deps.documents.collection<AccountDoc>(ACCOUNTS).get(admin.accountId);
    if (account?.ownerId === userId) {
      throw IdentityErrors.ownerNotRemovable();
    }
    const assigned = await this.deps.requests.request<{ total: number }>(ClientsSubjects.listClients, {
      correlationId: envelope.correlationId,
      actor: envelope.actor,
      data: { coachId: userId, page: 1, pageSize: 1 },
    });
    if (assigned.total > 0) {
      throw IdentityErrors.staffHasClients(staff, assigned.total);
    }
    const metadata = commandMetadata(envelope, admin);
    const now = new Date().toISOString();
    const removed = await handleCommand(this.deps.events, staffStream(userId), staffMemberDecider, { type: 'RemoveStaffMember', metadata: { actorId: admin.id, now } }, {
      commandId: `remove-staff:${userId}`,
      metadata,
    });
    // The address is free again (the SignInClaims processor does the same after a crash right here).
    await handleCommand(this.deps.events, loginEmailStream(staff.email), loginEmailDecider, { type: 'ReleaseLoginEmail', userId, reason: 'staff_removed', metadata: { now } }, {
      commandId: `release:staff:${userId}`,
      metadata,
    });
    await waitForProjections(removed.position, this.processors.views, this.processors.signIns);
    return { removed: true };
  }
}
