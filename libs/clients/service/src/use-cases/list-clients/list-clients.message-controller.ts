import { ClientSort, ClientSummary, ClientsSubjects, ListClientsRequest } from '@clientele/clients/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import type { Page } from '@clientele/platform/core';
import type { Filter, Sort } from '@clientele/platform/document-store';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_DEPS, ClientsDeps } from '../../clients.deps';
import { CLIENTS, ClientDoc, toSummary } from '../../read-models/client-doc';
import { CLIENT_SEARCH_FIELDS } from '../../read-models/clients.projection';

const SORTS: Record<ClientSort, Sort> = {
  name: [['lastNameKey', 1], ['firstNameKey', 1]],
  '-name': [['lastNameKey', -1], ['firstNameKey', -1]],
  createdAt: [['createdAt', 1]],
  '-createdAt': [['createdAt', -1]],
  lastActivityAt: [['lastActivityAt', 1]],
  '-lastActivityAt': [['lastActivityAt', -1]],
};

/** Coaches see the clients assigned to them; admins see the whole account. */
@Controller()
export class ListClientsMessageController {
  constructor(@Inject(CLIENTS_DEPS) private readonly deps: ClientsDeps) {}

  @MessagePattern(ClientsSubjects.listClients)
  async listClients(@Payload() envelope: RequestEnvelope<ListClientsRequest>): Promise<Page<ClientSummary>> {
    const actor = requireStaff(envelope.actor);
    const { search, type, status, coachId, sort, page, pageSize } = envelope.data;
    const filter: Filter = { accountId: actor.accountId };
    if (actor.role === 'coach') {
      // Asking for another coach's clients gives an empty page, never their clients.
      filter.coachId = coachId !== undefined && coachId !== actor.id ? { $in: [] } : actor.id;
    } else if (coachId !== undefined) {
      filter.coachId = coachId;
    }
    if (type !== undefined) filter.type = type;
    if (status !== undefined) filter.status = status;
    const term = search?.trim();
    if (term) filter.$or = CLIENT_SEARCH_FIELDS.map((field) => ({ [field]: { $contains: term } }));

    const clients = this.deps.documents.collection<ClientDoc>(CLIENTS);
    const [docs, total] = await Promise.all([
      clients.find(filter, { sort: SORTS[sort ?? 'name'], skip: (page - 1) * pageSize, limit: pageSize }),
      clients.count(filter),
    ]);
    return { items: docs.map(toSummary), page, pageSize, total };
  }
}
