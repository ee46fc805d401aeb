import { AddStaffMemberRequest, IdentitySubjects, StaffMemberView } from '@clientele/identity/contracts';
import { Capability, PendingRegistration, isCapability, normalizeEmail } from '@clientele/identity/domain';
import { commandMetadata, entityIdFor, waitForProjections } from '@clientele/platform/application';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { hashPassword } from '../../passwords';
import { STAFF, StaffDoc } from '../../read-models/identity-views.projection';
import { register } from '../../registration';
import { toStaffMemberView } from '../../views';

/** An admin adds a coach or another admin to the business. */
@Controller()
export class AddStaffMemberMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
  ) {}

  @MessagePattern(IdentitySubjects.addStaffMember)
  async addStaffMember(@Payload() envelope: RequestEnvelope<AddStaffMemberRequest>): Promise<StaffMemberView> {
    const admin = requireAdmin(envelope.actor);
    const { data } = envelope;
    const capabilities = data.capabilities?.map((capability) => {
      if (!isCapability(capability)) {
        throw new AppError(ErrorCodes.validationFailed, `"${capability}" is not a capability.`, [{ field: 'capabilities', message: 'unknown capability' }]);
      }
      return capability as Capability;
    });
    const email = data.email.trim();
    const userId = entityIdFor(envelope, (key) => ['staff', admin.accountId, key, normalizeEmail(email)]);
    const now = new Date().toISOString();
    const registration: PendingRegistration = {
      staffMember: {
        userId,
        accountId: admin.accountId,
        firstName: data.firstName,
        lastName: data.lastName,
        email,
        role: data.role,
        capabilities,
        passwordHash: await hashPassword(data.password),
        registeredBy: admin.id,
      },
    };
    const position = await register(this.deps.events, registration, commandMetadata(envelope, admin), now);
    await waitForProjections(position, this.processors.views, this.processors.signIns);
    const staff = await this.deps.documents.collection<StaffDoc>(STAFF).get(userId);
    // The same Idempotency-Key made this member before, and they were removed since.
    if (!staff) throw new AppError(ErrorCodes.idempotencyKeyReused, 'This Idempotency-Key added a staff member who has been removed since; send the request with a new key.');
    return toStaffMemberView(staff);
  }
}
