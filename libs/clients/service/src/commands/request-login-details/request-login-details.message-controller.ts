import { ClientsSubjects } from '@clientele/clients/contracts';
import { commandIdFor, commandMetadata } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';

/** (Re)send login details: recorded, then published for identity to send the invitation or login link. */
@Controller()
export class RequestLoginDetailsMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.requestLoginDetails)
  async requestLoginDetails(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<{ accepted: true }> {
    const actor = requireStaff(envelope.actor);
    await this.context.changeClient(
      envelope.data.clientId,
      actor,
      { type: 'RequestLoginDetails', metadata: { actorId: actor.id, now: new Date().toISOString() } },
      commandIdFor(envelope, (key) => `login-details:${key}`),
      commandMetadata(envelope, actor),
    );
    return { accepted: true };
  }
}
