import { AccountView, IdentitySubjects, UpdateAccountRequest } from '@clientele/identity/contracts';
import { accountDecider } from '@clientele/identity/domain';
import { commandIdFor, commandMetadata, handleAndWait, handleCommand } from '@clientele/platform/application';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IDENTITY_DEPS, IDENTITY_PROCESSORS, IdentityDeps, IdentityProcessors } from '../../identity.deps';
import { accountStream } from '../../streams';
import { toAccountView } from '../../views';

@Controller()
export class UpdateAccountMessageController {
  constructor(
    @Inject(IDENTITY_DEPS) private readonly deps: IdentityDeps,
    @Inject(IDENTITY_PROCESSORS) private readonly processors: IdentityProcessors,
  ) {}

  @MessagePattern(IdentitySubjects.updateAccount)
  async updateAccount(@Payload() envelope: RequestEnvelope<UpdateAccountRequest>): Promise<AccountView> {
    const admin = requireAdmin(envelope.actor);
    const result = await handleAndWait(
      handleCommand(
        this.deps.events,
        accountStream(admin.accountId),
        accountDecider,
        // Absent fields stay as they are: older callers send the seat limit alone.
        { type: 'UpdateAccount', seatLimit: envelope.data.seatLimit, businessName: envelope.data.businessName, metadata: { now: new Date().toISOString() } },
        { commandId: commandIdFor(envelope, (key) => `update-account:${admin.accountId}:${key}`), metadata: commandMetadata(envelope, admin) },
      ),
      this.processors.views,
    );
    return toAccountView(result.state, result.revision);
  }
}
