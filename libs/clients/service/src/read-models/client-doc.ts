import { PROFILE_NOTES, type ClientProfile, type ClientSummary } from '@clientele/clients/contracts';

/** The stored read model of one client: the profile plus keys for sorting and scoping. */
export type ClientDoc = Omit<ClientProfile, 'notesTotal'> & {
  /** Absent on a profile written before notes had their own collection (all its notes are then inline). */
  notesTotal?: number;
  accountId: string;
  firstNameKey: string;
  lastNameKey: string;
  /**
   * The e-mail in lower case, for the list's e-mail sort. Absent on a profile written before the
   * sort existed until its next event or a rebuild of clients_views (`ops rebuild`); such clients
   * sort as if their address were empty.
   */
  emailKey?: string;
  [key: string]: unknown;
};

export const CLIENTS = 'clients';

export function toSummary(doc: ClientDoc): ClientSummary {
  return {
    id: doc.id,
    firstName: doc.firstName,
    lastName: doc.lastName,
    email: doc.email,
    phone: doc.phone,
    type: doc.type,
    status: doc.status,
    coachId: doc.coachId,
    createdAt: doc.createdAt,
    lastActivityAt: doc.lastActivityAt,
  };
}

export function toProfile(doc: ClientDoc): ClientProfile {
  return {
    ...toSummary(doc),
    source: doc.source,
    appAccess: doc.appAccess,
    notes: doc.notes.slice(-PROFILE_NOTES),
    notesTotal: doc.notesTotal ?? doc.notes.length,
    kpis: doc.kpis,
    updatedAt: doc.updatedAt,
    version: doc.version,
  };
}
