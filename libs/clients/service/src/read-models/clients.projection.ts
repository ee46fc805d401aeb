import { PROFILE_NOTES } from '@clientele/clients/contracts';
import type { ClientEvent } from '@clientele/clients/domain';
import type { EventProcessor } from '@clientele/platform/application';
import type { DocumentStore, IndexSpec, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import type { ClientEventCodec } from '../personal-data';
import { CLIENTS, ClientDoc } from './client-doc';

/** Each client's purchases, for GET /clients/:id/purchases. */
export const CLIENT_PURCHASES = 'client_purchases';

/**
 * Each coach note, one document a note, for GET /clients/:id/notes (newest first). The profile
 * document keeps only the latest few and a count, so reading or rewriting it does not grow with
 * the notes (issue 17: a thousand notes made every profile write a multi-megabyte row).
 */
export const CLIENT_NOTES = 'client_notes';

export interface NoteDoc {
  id: string;
  clientId: string;
  accountId: string;
  body: string;
  authorId: string;
  createdAt: string;
  /** The note's place in the client's stream: the order of the notes (newest first = highest). */
  revision: number;
  [key: string]: unknown;
}

export const CLIENT_NOTE_INDEXES: IndexSpec[] = [{ fields: [['clientId', 1], ['revision', -1]] }];

/** Notes a deleted client's cleanup reads at a time. */
const NOTES_PER_READ = 500;

/** Indexes behind the list's scoping, filters and sorts. */
export const CLIENT_INDEXES: IndexSpec[] = [
  { fields: [['accountId', 1], ['lastNameKey', 1], ['firstNameKey', 1]] },
  { fields: [['accountId', 1], ['createdAt', -1]] },
  { fields: [['accountId', 1], ['coachId', 1], ['lastNameKey', 1]] },
  { fields: [['accountId', 1], ['type', 1], ['status', 1]] },
  { fields: [['accountId', 1], ['emailKey', 1]] },
  { fields: [['accountId', 1], ['type', 1], ['lastNameKey', 1], ['firstNameKey', 1]] },
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
        notesTotal: 0,
        kpis: { messagesFromCoach: 0, messagesFromClient: 0, lastMessageAt: null, purchases: 0, totalSpent: null },
        updatedAt: d.addedAt,
        version,
        firstNameKey: d.firstName.toLowerCase(),
        lastNameKey: d.lastName.toLowerCase(),
        emailKey: d.email.toLowerCase(),
      };
      return [{ op: 'upsert', collection: CLIENTS, doc, version }];
    }
    if (event.type === 'ClientDeleted') {
      // The notes go with the client: their bodies are personal data.
      return [...(await this.deleteNotes(event.data.clientId, version)), { op: 'delete', collection: CLIENTS, id: event.data.clientId, version }];
    }

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
    if (event.type === 'ClientNoteAdded') {
      const { clientId, accountId, noteId, body, authorId, addedAt } = event.data;
      const note = { id: noteId, body, authorId, createdAt: addedAt };
      // A profile written before notes had their own collection holds them all inline: they move
      // out (in their order, before every note of the stream) with the first note that follows.
      const legacy = current.notesTotal === undefined ? current.notes : [];
      const moved: WriteOp[] = legacy.map((n, index) => ({
        op: 'upsert',
        collection: CLIENT_NOTES,
        doc: { ...n, clientId, accountId, revision: index - legacy.length } satisfies NoteDoc,
      }));
      return [
        ...moved,
        { op: 'upsert', collection: CLIENT_NOTES, doc: { ...note, clientId, accountId, revision: version } satisfies NoteDoc, version },
        {
          op: 'upsert',
          collection: CLIENTS,
          doc: { ...current, notes: withNote(current, note), notesTotal: (current.notesTotal ?? current.notes.length) + 1, updatedAt: occurredAt, version },
          version,
        },
      ];
    }
    const next: ClientDoc = { ...current, ...this.changes(event), updatedAt: occurredAt, version };
    // Derived from whatever address the event leaves (and filled in on a profile written before the e-mail sort).
    next.emailKey = (next.email ?? '').toLowerCase();
    return [{ op: 'upsert', collection: CLIENTS, doc: next, version }];
  }

  private async deleteNotes(clientId: string, version: number): Promise<WriteOp[]> {
    const notes = this.documents.collection<NoteDoc>(CLIENT_NOTES);
    const ops: WriteOp[] = [];
    for (let skip = 0; ; skip += NOTES_PER_READ) {
      const page = await notes.find({ clientId }, { sort: [['revision', -1]], skip, limit: NOTES_PER_READ });
      for (const note of page) ops.push({ op: 'delete', collection: CLIENT_NOTES, id: note.id, version });
      if (page.length < NOTES_PER_READ) return ops;
    }
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

/** The profile keeps the latest PROFILE_NOTES notes, in the order they were written. */
export function withNote(doc: ClientDoc, note: ClientDoc['notes'][number]): ClientDoc['notes'] {
  return [...doc.notes.filter((n) => n.id !== note.id), note].slice(-PROFILE_NOTES);
}
