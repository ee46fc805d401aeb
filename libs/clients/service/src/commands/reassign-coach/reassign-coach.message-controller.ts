import { ClientProfile, ClientsSubjects, ReassignRequest } from '@clientele/clients/contracts';
import { commandMetadata, handleAndWait } from '@clientele/platform/application';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { resolveCoach } from '../add-client/add-client.message-controller';

/** An admin gives a client to another coach of the account. */
@Controller()
export class ReassignCoachMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.reassign)
  async reassign(@Payload() envelope: RequestEnvelope<ReassignRequest>): Promise<ClientProfile> {
    const admin = requireAdmin(envelope.actor);
    const coachId = await resolveCoach(this.context, admin, envelope.data.coachId, envelope.correlationId);
    await handleAndWait(
      this.context.changeClient(
        envelope.data.clientId,
        admin,
        { type: 'Reassign', coachId, metadata: { actorId: admin.id, now: new Date().toISOString() } },
        randomUUID(),
        commandMetadata(envelope, admin),
      ),
      this.context.views,
    );
    return this.context.profile(envelope.data.clientId);
  }
}
