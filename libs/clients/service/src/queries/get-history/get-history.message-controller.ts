import { ClientsSubjects, HistoryEntry } from '@clientele/clients/contracts';
import { clientExists } from '@clientele/clients/domain';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { canRead } from '../../authorization';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { notFound, type ClientsContext } from '../../clients.context';
import { clientStream } from '../../streams';

/** The audit trail of one client, from its own stream, oldest first, personal data opened (for whoever may read the client). */
@Controller()
export class GetHistoryMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.getHistory)
  async getHistory(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<{ items: HistoryEntry[] }> {
    const actor = requireStaff(envelope.actor);
    const state = await this.context.loadClient(envelope.data.clientId);
    if (!clientExists(state) || !(await canRead(actor, { ...state, id: envelope.data.clientId }, this.context.sessionLinks))) throw notFound();
    const recorded = await this.context.deps.events.readStream(clientStream(envelope.data.clientId));
    const items = await Promise.all(
      recorded.map(async (event) => {
        const decoded = await this.context.codec.decode(event);
        const actorMeta = event.metadata.actor as { id: string; role: string } | undefined;
        return {
          position: event.position.toString(),
          type: event.type,
          occurredAt: (event.metadata.occurredAt as string | undefined) ?? event.recordedAt.toISOString(),
          actor: actorMeta ? { id: actorMeta.id, role: actorMeta.role } : null,
          data: decoded.data as unknown as Record<string, unknown>,
        };
      }),
    );
    return { items };
  }
}
