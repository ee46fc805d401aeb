import { IdentitySubjects, LoginResult } from '@clientele/identity/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { confirmStaffPasswordReset } from '../../staff-access/confirm-staff-password-reset';

/**
 * A staff member sets a new password from their reset link, and is signed in. (The public reset
 * route asks identity.cmd.confirm-password-reset, which hands staff links to the same work.)
 */
@Controller()
export class ConfirmStaffPasswordResetMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
  ) {}

  @MessagePattern(IdentitySubjects.confirmStaffPasswordReset)
  confirm(@Payload() envelope: RequestEnvelope<{ token: string; password: string }>): Promise<LoginResult> {
    return confirmStaffPasswordReset(this.deps, this.processors, envelope);
  }
}
