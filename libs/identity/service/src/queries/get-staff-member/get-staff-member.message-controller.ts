import { GetStaffMemberRequest, IdentitySubjects, StaffMemberView } from '@clientele/identity/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { STAFF, StaffDoc } from '../../read-models/identity-views.projection';
import { toStaffMemberView } from '../../views';

@Controller()
export class GetStaffMemberMessageController {
  constructor(@Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps) {}

  @MessagePattern(IdentitySubjects.getStaffMember)
  async getStaffMember(@Payload() envelope: RequestEnvelope<GetStaffMemberRequest>): Promise<StaffMemberView> {
    const staff = await this.deps.documents.collection<StaffDoc>(STAFF).get(envelope.data.userId);
    if (!staff) throw new AppError(ErrorCodes.notFound, 'No staff member has this id.');
    return toStaffMemberView(staff);
  }
}
