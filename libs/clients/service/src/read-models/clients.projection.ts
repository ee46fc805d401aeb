import type { ClientEvent } from '@clientele/clients/domain';
import { EventProcessor, domainEvent } from '@clientele/platform/application';
import type { IndexSpec, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import { CLIENTS, ClientDoc } from './client-doc';

/** Indexes behind the list's scoping, filters and sorts. */
export const CLIENT_INDEXES: IndexSpec[] = [
  { fields: [['accountId', 1], ['lastNameKey', 1], ['firstNameKey', 1]] },
  { fields: [['accountId', 1], ['createdAt', -1]] },
  { fields: [['accountId', 1], ['coachId', 1], ['lastNameKey', 1]] },
];

/**
 * The client list and profiles, from each client's own stream. Writes are guarded by the
 * stream revision: applying an event twice changes nothing.
 */
export class ClientsProjection implements EventProcessor {
  readonly name = 'clients_views';
  readonly filter = { streamCategories: ['client'] };

  async handle(recorded: RecordedEvent): Promise<WriteOp[]> {
    const event = domainEvent<ClientEvent>(recorded);
    switch (event.type) {
      case 'ClientAdded': {
        const d = event.data;
        const doc: ClientDoc = {
          id: d.clientId,
          accountId: d.accountId,
          firstName: d.firstName,
          lastName: d.lastName,
          email: d.email,
          phone: d.phone,
          type: d.type,
          status: 'active',
          coachId: d.coachId,
          createdAt: d.addedAt,
          lastActivityAt: null,
          source: d.source,
          appAccess: d.appAccess,
          notes: [],
          kpis: { messagesFromCoach: 0, messagesFromClient: 0, lastMessageAt: null, purchases: 0, totalSpent: null },
          updatedAt: d.addedAt,
          version: recorded.revision,
          firstNameKey: d.firstName.toLowerCase(),
          lastNameKey: d.lastName.toLowerCase(),
        };
        return [{ op: 'upsert', collection: CLIENTS, doc, version: recorded.revision }];
      }
      default:
        return [];
    }
  }
}
