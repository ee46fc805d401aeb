import { ChangeTypeRequest, ClientProfile, ClientsSubjects } from '@clientele/clients/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
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
    const result = await this.context.changeClient(
      clientId,
      actor,
      { type: 'ChangeType', to: type, actorId: actor.id, now: new Date().toISOString() },
      envelope.idempotencyKey ? `change-type:${envelope.idempotencyKey}` : randomUUID(),
      { correlationId: envelope.correlationId, actor: { id: actor.id, role: actor.role }, accountId: actor.accountId },
    );
    await this.context.waitForViews(result.position);
    return this.context.profile(clientId);
  }
}
