import { IdentitySubjects } from '@clientele/identity/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { staffEpoch } from '../../sign-in';
import { IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';

/**
 * Asked by the gateway on every staff request: the token is good while its holder is still a
 * member of the business and has not signed out or changed their password since it was issued.
 */
@Controller()
export class CheckStaffSessionMessageController {
  constructor(@Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps) {}

  @MessagePattern(IdentitySubjects.checkStaffSession)
  async check(@Payload() envelope: RequestEnvelope<{ userId: string; epoch: number }>): Promise<{ valid: boolean }> {
    const epoch = await staffEpoch(this.deps.documents, envelope.data.userId);
    return { valid: epoch !== null && epoch === envelope.data.epoch };
  }
}
