import type { ClientEvent } from '@clientele/clients/domain';
import type { EventProcessor } from '@clientele/platform/application';
import type { DocumentStore, IndexSpec, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import type { ClientEventCodec } from '../personal-data';
import { CLIENTS, ClientDoc } from './client-doc';

/** Each client's purchases, for GET /clients/:id/purchases. */
export const CLIENT_PURCHASES = 'client_purchases';

/** Indexes behind the list's scoping, filters and sorts. */
export const CLIENT_INDEXES: IndexSpec[] = [
  { fields: [['accountId', 1], ['lastNameKey', 1], ['firstNameKey', 1]] },
  { fields: [['accountId', 1], ['createdAt', -1]] },
  { fields: [['accountId', 1], ['coachId', 1], ['lastNameKey', 1]] },
  { fields: [['accountId', 1], ['type', 1], ['status', 1]] },
];

/** The list's search: first name, last name or e-mail contains the term. */
export const CLIENT_SEARCH_FIELDS = ['firstName', 'lastName', 'email'] as const;

/**
 * The client list and profiles, from each client's own stream (personal data opened with the
 * client's key). Every write is guarded by the stream revision, so applying an event twice changes
 * nothing; a deleted client leaves only a tombstone.
 */
export class ClientsProjection implements EventProcessor {
  readonly name = 'clients_views';
  readonly filter = { streamCategories: ['client'] };

  constructor(
    private readonly documents: DocumentStore,
    private readonly codec: ClientEventCodec,
  ) {}

  async handle(recorded: RecordedEvent): Promise<WriteOp[]> {
    const event = await this.codec.decode(recorded);
    const version = recorded.revision;
    const occurredAt = (recorded.metadata.occurredAt as string | undefined) ?? recorded.recordedAt.toISOString();

    if (event.type === 'ClientAdded') {
      const d = event.data;
      const doc: ClientDoc = {
        id: d.clientId,
        accountId: d.accountId,
        firstName: d.firstName,
        lastName: d.lastName,
        email: d.email,
        phone: d.phone,
        type: d.type,
        status: d.status,
        coachId: d.coachId,
        createdAt: d.addedAt,
        lastActivityAt: null,
        source: d.source,
        appAccess: d.appAccess,
        notes: [],
        kpis: { messagesFromCoach: 0, messagesFromClient: 0, lastMessageAt: null, purchases: 0, totalSpent: null },
        updatedAt: d.addedAt,
        version,
        firstNameKey: d.firstName.toLowerCase(),
        lastNameKey: d.lastName.toLowerCase(),
      };
      return [{ op: 'upsert', collection: CLIENTS, doc, version }];
    }
    if (event.type === 'ClientDeleted') return [{ op: 'delete', collection: CLIENTS, id: event.data.clientId, version }];

    const current = await this.documents.collection<ClientDoc>(CLIENTS).get(event.data.clientId);
    if (!current || current.version >= version) return [];
    if (event.type === 'ClientMessageRecorded') {
      const { from, sentAt } = event.data;
      const kpis = {
        ...current.kpis,
        messagesFromCoach: current.kpis.messagesFromCoach + (from === 'coach' ? 1 : 0),
        messagesFromClient: current.kpis.messagesFromClient + (from === 'client' ? 1 : 0),
        lastMessageAt: sentAt,
      };
      return [{ op: 'upsert', collection: CLIENTS, doc: { ...current, kpis, lastActivityAt: sentAt, version }, version }];
    }
    if (event.type === 'ClientPurchaseRecorded') {
      const { purchaseId, productId, amount, purchasedAt } = event.data;
      const spent = current.kpis.totalSpent;
      // Totals add up in the first currency bought in; a purchase in another currency counts, but not in the total.
      const totalSpent = spent === null ? amount : spent.currency === amount.currency ? { amount: spent.amount + amount.amount, currency: spent.currency } : spent;
      return [
        { op: 'upsert', collection: CLIENTS, doc: { ...current, kpis: { ...current.kpis, purchases: current.kpis.purchases + 1, totalSpent }, updatedAt: occurredAt, version }, version },
        { op: 'upsert', collection: CLIENT_PURCHASES, doc: { id: purchaseId, clientId: event.data.clientId, accountId: event.data.accountId, productId, amount, purchasedAt }, version: 0 },
      ];
    }
    const changes =
      event.type === 'ClientNoteAdded'
        ? { notes: withNote(current, { id: event.data.noteId, body: event.data.body, authorId: event.data.authorId, createdAt: event.data.addedAt }) }
        : this.changes(event);
    const next: ClientDoc = { ...current, ...changes, updatedAt: occurredAt, version };
    return [{ op: 'upsert', collection: CLIENTS, doc: next, version }];
  }

  private changes(event: Exclude<ClientEvent, { type: 'ClientAdded' | 'ClientDeleted' }>): Partial<ClientDoc> {
    switch (event.type) {
      case 'ClientTypeChanged':
        return { type: event.data.to, appAccess: event.data.appAccess };
      case 'ClientContactChanged': {
        const { changes } = event.data;
        return {
          ...changes,
          ...(changes.firstName !== undefined ? { firstNameKey: changes.firstName.toLowerCase() } : {}),
          ...(changes.lastName !== undefined ? { lastNameKey: changes.lastName.toLowerCase() } : {}),
        };
      }
      case 'ClientReassigned':
        return { coachId: event.data.to };
      case 'ClientActivated':
        return { status: 'active' };
      case 'ClientAppAccessActivated':
        return { appAccess: 'active' };
      default:
        return {};
    }
  }
}

/** Notes are appended to the profile in the order they were written. */
export function withNote(doc: ClientDoc, note: ClientDoc['notes'][number]): ClientDoc['notes'] {
  return [...doc.notes.filter((n) => n.id !== note.id), note];
}
