import { AddStaffMemberRequest, IdentitySubjects, StaffMemberView } from '@clientele/identity/contracts';
import { Capability, PendingRegistration, isCapability, loginEmailDecider, normalizeEmail } from '@clientele/identity/domain';
import { deterministicId, handleCommand } from '@clientele/platform/application';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { hashPassword } from '../../passwords';
import { STAFF, StaffDoc } from '../../read-models/identity-views.projection';
import { completeRegistration } from '../../registration/complete-registration';
import { loginEmailStream } from '../../streams';
import { toStaffMemberView } from '../list-staff/list-staff.message-controller';

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
    const userId = envelope.idempotencyKey
      ? deterministicId('staff', admin.accountId, envelope.idempotencyKey, normalizeEmail(email))
      : randomUUID();
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
    const metadata = { correlationId: envelope.correlationId, actor: { id: admin.id, role: admin.role }, accountId: admin.accountId };
    await handleCommand(
      this.deps.events,
      loginEmailStream(email),
      loginEmailDecider,
      { type: 'ClaimLoginEmail', email, registration, now },
      { commandId: `claim-login:${userId}`, metadata },
    );
    const position = await completeRegistration(this.deps.events, registration, metadata, now);
    if (position !== null) await Promise.all([this.processors.views.waitFor(position), this.processors.signIns.waitFor(position)]);
    const staff = await this.deps.documents.collection<StaffDoc>(STAFF).get(userId);
    // The same Idempotency-Key made this member before, and they were removed since.
    if (!staff) throw new AppError(ErrorCodes.idempotencyKeyReused, 'This Idempotency-Key added a staff member who has been removed since; send the request with a new key.');
    return toStaffMemberView(staff);
  }
}
