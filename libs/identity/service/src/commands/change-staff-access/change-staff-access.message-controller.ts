import { ChangeStaffAccessRequest, IdentitySubjects, StaffMemberView } from '@clientele/identity/contracts';
import { Capability, isCapability, staffMemberDecider } from '@clientele/identity/domain';
import { commandIdFor, commandMetadata, handleAndWait, handleCommand } from '@clientele/platform/application';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { ACCOUNTS, AccountDoc, STAFF, StaffDoc } from '../../read-models/identity-views.projection';
import { staffStream } from '../../streams';
import { toStaffMemberView } from '../../views';

/**
 * An admin changes a member's role and capabilities. The owner stays an admin (so a business
 * always has one), and nobody changes their own role. The member's tokens carry the old role and
 * capabilities: they stop working, and the next sign-in carries the new ones.
 */
@Controller()
export class ChangeStaffAccessMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
  ) {}

  @MessagePattern(IdentitySubjects.changeStaffAccess)
  async change(@Payload() envelope: RequestEnvelope<ChangeStaffAccessRequest>): Promise<StaffMemberView> {
    const admin = requireAdmin(envelope.actor);
    const { userId, role, capabilities } = envelope.data;
    const members = this.deps.documents.collection<StaffDoc>(STAFF);
    const staff = await members.get(userId);
    // Another business's member, or nobody: the same answer.
    if (!staff || staff.accountId !== admin.accountId) throw new AppError(ErrorCodes.notFound, 'There is no such staff member in this business.');
    if (role !== undefined && role !== 'admin' && role !== 'coach') {
      throw new AppError(ErrorCodes.validationFailed, 'Choose coach or administrator as the role.', [{ field: 'role', message: 'Choose coach or administrator.' }]);
    }
    if (capabilities !== undefined && (!Array.isArray(capabilities) || !capabilities.every(isCapability))) {
      throw new AppError(ErrorCodes.validationFailed, 'Choose capabilities among creating, deleting and importing clients and managing products.', [
        { field: 'capabilities', message: 'Choose among create_clients, delete_clients, manage_products and import_clients.' },
      ]);
    }
    const account = await this.deps.documents.collection<AccountDoc>(ACCOUNTS).get(admin.accountId);
    await handleAndWait(
      handleCommand(
        this.deps.events,
        staffStream(userId),
        staffMemberDecider,
        {
          type: 'ChangeStaffAccess',
          role,
          capabilities: capabilities as Capability[] | undefined,
          isOwner: account?.ownerId === userId,
          metadata: { actorId: admin.id, now: new Date().toISOString() },
        },
        { commandId: commandIdFor(envelope, (key) => `change-staff-access:${userId}:${key}`), metadata: commandMetadata(envelope, admin) },
      ),
      this.processors.views,
      this.processors.signIns,
    );
    const changed = await members.get(userId);
    if (!changed) throw new AppError(ErrorCodes.notFound, 'There is no such staff member in this business.');
    return toStaffMemberView(changed);
  }
}
