import { ClientsSubjects } from '@clientele/clients/contracts';
import { commandMetadata, waitForProjections } from '@clientele/platform/application';
import { requireCapability, requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { clientExists } from '@clientele/clients/domain';
import { canSee } from '../../authorization';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { notFound, type ClientsContext } from '../../clients.context';
import { completeRemoval } from '../../enrolment/removal';

/**
 * Irreversible deletion: the roster frees the seat and the e-mail (and promotes whoever waits),
 * the client's stream ends with ClientDeleted, the read models drop the client, and the client's
 * key is shredded, so the personal fields of every copy of its events can no longer be read.
 */
@Controller()
export class DeleteClientMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.deleteClient)
  async deleteClient(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<{ deleted: true }> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'delete_clients');
    const { clientId } = envelope.data;
    const state = await this.context.loadClient(clientId);
    if (!clientExists(state) || !canSee(actor, state)) throw notFound();
    const metadata = commandMetadata(envelope, actor);
    await this.context.roster(actor.accountId, { type: 'RemoveClient', clientId }, `remove:${clientId}`, metadata);
    const position = await completeRemoval(this.context, clientId, metadata, actor.id);
    await waitForProjections(position, this.context.views);
    return { deleted: true };
  }
}
