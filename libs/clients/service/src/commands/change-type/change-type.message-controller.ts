import { ChangeTypeRequest, ClientProfile, ClientsSubjects } from '@clientele/clients/contracts';
import { commandIdFor, commandMetadata, handleAndWait } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';

/** Change Client Type, on the profile card: records `ClientTypeChanged { from, to }`; the same type records nothing. */
@Controller()
export class ChangeTypeMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.changeType)
  async changeType(@Payload() envelope: RequestEnvelope<ChangeTypeRequest>): Promise<ClientProfile> {
    const actor = requireStaff(envelope.actor);
    const { clientId, type } = envelope.data;
    await handleAndWait(
      this.context.changeClient(
        clientId,
        actor,
        { type: 'ChangeType', to: type, metadata: { actorId: actor.id, now: new Date().toISOString() } },
        commandIdFor(envelope, (key) => `change-type:${key}`),
        commandMetadata(envelope, actor),
      ),
      this.context.views,
    );
    return this.context.profile(clientId);
  }
}
