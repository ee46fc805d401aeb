import { ChangeStaffPasswordRequest, IdentitySubjects, LoginResult } from '@clientele/identity/contracts';
import { staffMemberDecider } from '@clientele/identity/domain';
import { commandMetadata, handleAndWait, handleCommand } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { signIn, staffEpoch } from '../../sign-in';
import { IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { hashPassword, verifyPassword } from '../../passwords';
import { LOGINS, LoginDoc, STAFF, StaffDoc } from '../../read-models/identity-views.projection';
import { loginKeyOf, staffStream } from '../../streams';

/**
 * A staff member changes their own password, proving the current one. Every token issued before
 * stops working; the answer carries a fresh one, so this device stays signed in.
 */
@Controller()
export class ChangeStaffPasswordMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
  ) {}

  @MessagePattern(IdentitySubjects.changeStaffPassword)
  async change(@Payload() envelope: RequestEnvelope<ChangeStaffPasswordRequest>): Promise<LoginResult> {
    const actor = envelope.actor;
    if (!actor || actor.role === 'client') throw new AppError(ErrorCodes.forbidden, 'Clients change their password with a reset link.');
    const staff = await this.deps.documents.collection<StaffDoc>(STAFF).get(actor.id);
    if (!staff) throw new AppError(ErrorCodes.unauthorized, 'Your access has ended; sign in again.');
    const current = await this.deps.documents.collection<LoginDoc>(LOGINS).get(loginKeyOf(staff.email));
    const ownLogin = current && current.userId === actor.id ? current : null;
    if (!ownLogin || !(await verifyPassword(envelope.data.currentPassword, ownLogin.passwordHash))) {
      throw new AppError(ErrorCodes.validationFailed, 'The current password is not right.', [{ field: 'currentPassword', message: 'is not right' }]);
    }
    if (envelope.data.currentPassword === envelope.data.newPassword) {
      throw new AppError(ErrorCodes.validationFailed, 'Choose a new password that differs from the current one.', [{ field: 'newPassword', message: 'is the current password' }]);
    }
    const passwordHash = await hashPassword(envelope.data.newPassword);
    await handleAndWait(
      handleCommand(this.deps.events, staffStream(actor.id), staffMemberDecider, { type: 'ChangePassword', passwordHash, metadata: { now: new Date().toISOString() } }, {
        commandId: randomUUID(),
        metadata: commandMetadata(envelope, actor),
      }),
      this.processors.views,
      this.processors.signIns,
    );
    const epoch = await staffEpoch(this.deps.documents, actor.id);
    if (epoch === null) throw new AppError(ErrorCodes.unauthorized, 'Your access has ended; sign in again.');
    return signIn({ ...ownLogin, passwordHash }, this.deps.jwtSecret, epoch);
  }
}
