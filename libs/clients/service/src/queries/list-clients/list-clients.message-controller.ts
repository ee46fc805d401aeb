import { ClientSort, ClientSummary, ClientsSubjects, ListClientsRequest } from '@clientele/clients/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import type { Page } from '@clientele/platform/core';
import type { Filter, Sort } from '@clientele/platform/document-store';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ClientsContext } from '../../clients.context';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { CLIENTS, ClientDoc, toSummary } from '../../read-models/client-doc';
import { CLIENT_SEARCH_FIELDS } from '../../read-models/clients.projection';

/** Each sort of the list as the document store's; every one is served by an index of CLIENT_INDEXES. */
export const CLIENT_LIST_SORTS: Record<ClientSort, Sort> = {
  name: [['lastNameKey', 1], ['firstNameKey', 1]],
  '-name': [['lastNameKey', -1], ['firstNameKey', -1]],
  createdAt: [['createdAt', 1]],
  '-createdAt': [['createdAt', -1]],
  lastActivityAt: [['lastActivityAt', 1]],
  '-lastActivityAt': [['lastActivityAt', -1]],
  // E-mail addresses compare case-insensitively; ties (none within an account) would fall back on id.
  email: [['emailKey', 1]],
  '-email': [['emailKey', -1]],
  // By type, then by name within a type.
  type: [['type', 1], ['lastNameKey', 1], ['firstNameKey', 1]],
  '-type': [['type', -1], ['lastNameKey', -1], ['firstNameKey', -1]],
};

/** Coaches see the clients assigned to them and those they have a session with; admins see the whole account. */
@Controller()
export class ListClientsMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.listClients)
  async listClients(@Payload() envelope: RequestEnvelope<ListClientsRequest>): Promise<Page<ClientSummary>> {
    const actor = requireStaff(envelope.actor);
    const { search, type, status, coachId, sort, page, pageSize } = envelope.data;
    const filter: Filter = { accountId: actor.accountId };
    const and: Filter[] = [];
    if (actor.role === 'coach') {
      if (coachId !== undefined && coachId !== actor.id) {
        // Asking for another coach's clients gives an empty page, never their clients.
        filter.coachId = { $in: [] };
      } else if (coachId !== undefined) {
        // "My clients" in the narrow sense: those assigned to me.
        filter.coachId = actor.id;
      } else {
        // Assigned to me, or a client I have a session with.
        const linked = await this.context.sessionLinks.clientIdsOf(actor);
        and.push(linked.length ? { $or: [{ coachId: actor.id }, { id: { $in: linked } }] } : { coachId: actor.id });
      }
    } else if (coachId !== undefined) {
      filter.coachId = coachId;
    }
    if (type !== undefined) filter.type = type;
    if (status !== undefined) filter.status = status;
    const term = search?.trim();
    if (term) filter.$or = CLIENT_SEARCH_FIELDS.map((field) => ({ [field]: { $contains: term } }));
    if (and.length) filter.$and = and;

    const clients = this.context.deps.documents.collection<ClientDoc>(CLIENTS);
    const { items, total } = await clients.findPage(filter, { sort: CLIENT_LIST_SORTS[sort ?? 'name'], skip: (page - 1) * pageSize, limit: pageSize });
    return { items: items.map(toSummary), page, pageSize, total };
  }
}
