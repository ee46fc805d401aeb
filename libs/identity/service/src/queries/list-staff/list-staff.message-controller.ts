import { IdentitySubjects, ListStaffRequest, Page, StaffMemberView } from '@clientele/identity/contracts';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IdentityDeps } from '../../identity.deps';
import { STAFF, StaffDoc } from '../../read-models/identity-views.projection';
import { toStaffMemberView } from '../../views';

@Controller()
export class ListStaffMessageController {
  constructor(@Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps) {}

  @MessagePattern(IdentitySubjects.listStaff)
  async listStaff(@Payload() envelope: RequestEnvelope<ListStaffRequest>): Promise<Page<StaffMemberView>> {
    const admin = requireAdmin(envelope.actor);
    const { page, pageSize } = envelope.data;
    const staff = this.deps.documents.collection<StaffDoc>(STAFF);
    const filter = { accountId: admin.accountId };
    const { items, total } = await staff.findPage(filter, { sort: [['lastNameKey', 1], ['firstNameKey', 1]], skip: (page - 1) * pageSize, limit: pageSize });
    return { items: items.map(toStaffMemberView), page, pageSize, total };
  }
}
