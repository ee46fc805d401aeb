import { ClientSummary, ClientsSubjects, RecentClientsRequest } from '@clientele/clients/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import type { Filter } from '@clientele/platform/document-store';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_DEPS, ClientsDeps } from '../../clients.deps';
import { CLIENTS, ClientDoc, toSummary } from '../../read-models/client-doc';

/** The coach home's "recent clients": newest first, scoped like the list. */
@Controller()
export class RecentClientsMessageController {
  constructor(@Inject(CLIENTS_DEPS) private readonly deps: ClientsDeps) {}

  @MessagePattern(ClientsSubjects.recentClients)
  async recentClients(@Payload() envelope: RequestEnvelope<RecentClientsRequest>): Promise<{ items: ClientSummary[] }> {
    const actor = requireStaff(envelope.actor);
    const filter: Filter = { accountId: actor.accountId };
    if (actor.role === 'coach') filter.coachId = actor.id;
    const docs = await this.deps.documents
      .collection<ClientDoc>(CLIENTS)
      .find(filter, { sort: [['createdAt', -1]], limit: envelope.data.limit });
    return { items: docs.map(toSummary) };
  }
}
