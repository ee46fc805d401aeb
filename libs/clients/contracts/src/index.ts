import type { SessionPack } from '@clientele/billing/contracts';
import type { ClientType, Money } from '@clientele/platform/core';

export * from './errors';
export * from './measurements';
export type { Money };

/** What other services (and the gateway) may know of the clients service. */
export const ClientsSubjects = {
  addClient: 'clients.cmd.add-client',
  changeType: 'clients.cmd.change-type',
  bulkChangeType: 'clients.cmd.bulk-change-type',
  changeContact: 'clients.cmd.change-contact',
  addNote: 'clients.cmd.add-note',
  reassign: 'clients.cmd.reassign',
  requestLoginDetails: 'clients.cmd.request-login-details',
  requestPasswordReset: 'clients.cmd.request-password-reset',
  deleteClient: 'clients.cmd.delete-client',
  importClients: 'clients.cmd.import-clients',
  /** The stored refusals of one import, a page at a time (the importer's and the account admins' only). */
  getImportReport: 'clients.query.get-import-report',
  listClients: 'clients.query.list-clients',
  recentClients: 'clients.query.recent-clients',
  getClient: 'clients.query.get-client',
  getHistory: 'clients.query.get-history',
  getSeats: 'clients.query.get-seats',
  /** Internal (no actor): contact details for services that write to the client (invitations, mail). */
  getContact: 'clients.query.get-contact',
  /** A client's own profile (client tokens, /me/profile). */
  getOwnProfile: 'clients.query.get-own-profile',
  getPurchases: 'clients.query.get-purchases',
  /** A client's coach notes, newest first, a page at a time (the profile holds only the latest few). */
  listNotes: 'clients.query.list-notes',
  changeOwnProfile: 'clients.cmd.change-own-profile',
  health: 'clients.query.health',
} as const;

/**
 * Integration events of the roster. They carry no personal data (the event stream of NATS is not
 * shredded with a client's key); a service that needs an e-mail address asks `getContact`.
 */
export const ClientsEvents = {
  clientAdded: 'clients.client.added.v1',
  typeChanged: 'clients.client.type-changed.v1',
  activated: 'clients.client.activated.v1',
  contactChanged: 'clients.client.contact-changed.v1',
  reassigned: 'clients.client.reassigned.v1',
  loginDetailsRequested: 'clients.client.login-details-requested.v1',
  passwordResetRequested: 'clients.client.password-reset-requested.v1',
  deleted: 'clients.client.deleted.v1',
  /** A purchase was recorded on a client's profile (the buyer is a client now): a session pack becomes their bundle. */
  purchaseRecorded: 'clients.client.purchase-recorded.v1',
} as const;

/** `clients.client.purchase-recorded.v1` (no personal data). */
export interface ClientPurchaseRecordedEventData extends ClientEventBase {
  purchaseId: string;
  productId: string;
  productName: string;
  amount: Money;
  sessionPack: SessionPack | null;
  purchasedAt: string;
}

export type TypeChangeEffect = 'access_revoked' | 'invitation' | 'access_restored' | 'messaging_policy';

export type ClientStatus = 'active' | 'pending';
export type AppAccess = 'none' | 'not_invited' | 'invited' | 'active';
export type ClientSort = 'name' | '-name' | 'createdAt' | '-createdAt' | 'lastActivityAt' | '-lastActivityAt' | 'email' | '-email' | 'type' | '-type';
export const CLIENT_SORTS: readonly ClientSort[] = ['name', '-name', 'createdAt', '-createdAt', 'lastActivityAt', '-lastActivityAt', 'email', '-email', 'type', '-type'];

export interface ClientSummary {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  type: ClientType;
  status: ClientStatus;
  coachId: string;
  createdAt: string;
  lastActivityAt: string | null;
}

export interface ClientProfile extends ClientSummary {
  source: { kind: 'manual' | 'product' | 'import'; productId?: string };
  appAccess: AppAccess;
  /** The latest PROFILE_NOTES notes, oldest of them first; older ones are paged by `listNotes`. */
  notes: Array<{ id: string; body: string; authorId: string; createdAt: string }>;
  /** How many notes the client has in all. */
  notesTotal: number;
  kpis: {
    messagesFromCoach: number;
    messagesFromClient: number;
    lastMessageAt: string | null;
    purchases: number;
    totalSpent: Money | null;
  };
  updatedAt: string;
  version: number;
}

export interface AddClientRequest {
  firstName: string;
  lastName: string;
  email: string;
  phone?: string;
  type: ClientType;
  sendInvitation?: boolean;
  coachId?: string;
}

export interface ListClientsRequest {
  search?: string;
  type?: ClientType;
  status?: ClientStatus;
  coachId?: string;
  sort?: ClientSort;
  page: number;
  pageSize: number;
}

export interface RecentClientsRequest {
  limit: number;
}

export interface GetClientRequest {
  clientId: string;
}

/**
 * What every clients event carries. `version`: the client stream's revision, so that copies kept
 * elsewhere apply changes in order.
 */
export interface ClientEventBase {
  clientId: string;
  accountId: string;
  version: number;
}

/** clients.client.added.v1 */
export interface ClientAddedEventData extends ClientEventBase {
  type: ClientType;
  status: ClientStatus;
  coachId: string;
  sendInvitation: boolean;
  source: { kind: 'manual' | 'product' | 'import'; productId?: string };
}

/** clients.client.type-changed.v1: what identity (access), messaging (policy) and notifications act on. */
export interface ClientTypeChangedEventData extends ClientEventBase {
  from: ClientType;
  to: ClientType;
  effect: TypeChangeEffect;
}

/** clients.client.contact-changed.v1: which fields changed, never their values. */
export interface ClientContactChangedEventData extends ClientEventBase {
  fields: string[];
}

/** clients.client.reassigned.v1: from one coach to another. */
export interface ClientReassignedEventData extends ClientEventBase {
  from: string;
  to: string;
}

/** clients.client.login-details-requested.v1 */
export interface ClientLoginDetailsRequestedEventData extends ClientEventBase {
  kind: 'invitation' | 'login_link';
}

/** The clients service's integration events: subject to data. */
export type ClientsIntegrationEvents = {
  [ClientsEvents.clientAdded]: ClientAddedEventData;
  [ClientsEvents.typeChanged]: ClientTypeChangedEventData;
  [ClientsEvents.activated]: ClientEventBase;
  [ClientsEvents.contactChanged]: ClientContactChangedEventData;
  [ClientsEvents.reassigned]: ClientReassignedEventData;
  [ClientsEvents.loginDetailsRequested]: ClientLoginDetailsRequestedEventData;
  [ClientsEvents.passwordResetRequested]: ClientEventBase;
  [ClientsEvents.deleted]: ClientEventBase;
  [ClientsEvents.purchaseRecorded]: ClientPurchaseRecordedEventData;
};

export interface ChangeTypeRequest {
  clientId: string;
  type: ClientType;
}

export interface BulkChangeTypeRequest {
  clientIds: string[];
  type: ClientType;
  dryRun?: boolean;
}

export interface BulkChangeTypeResult {
  results: Array<{
    clientId: string;
    outcome: 'changed' | 'unchanged' | 'failed';
    error?: { code: string; detail: string };
  }>;
  summary: { changed: number; unchanged: number; failed: number; invitationsToSend: number; accessRevoked: number };
}

export interface ChangeContactRequest {
  clientId: string;
  changes: { firstName?: string; lastName?: string; email?: string; phone?: string | null };
  expectedVersion?: number;
}

export interface AddNoteRequest {
  clientId: string;
  body: string;
}

export interface Note {
  id: string;
  body: string;
  authorId: string;
  createdAt: string;
}

/** Notes inline in a profile (issue 17: a thousand notes made the profile a 3.9 MB answer). */
export const PROFILE_NOTES = 5;

export interface ListNotesRequest {
  clientId: string;
  page: number;
  pageSize: number;
}

export interface ReassignRequest {
  clientId: string;
  coachId: string;
}

export interface ImportRow {
  row: number;
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  type?: string;
}

/** Rows one import chunk may hold: the gateway sends 200; more is refused before any work. */
export const IMPORT_MAX_CHUNK_ROWS = 500;

export interface ImportClientsRequest {
  rows: ImportRow[];
  /**
   * The import the chunk belongs to and the chunk's place in it: the chunk's refusals are kept under
   * them for the report download. Absent (an older gateway): nothing is kept.
   */
  importId?: string;
  chunk?: number;
  /** false: no row gets login details (the importer's choice); absent: the full-access rows get them, as for an add. */
  sendInvitation?: boolean;
}

export interface ImportReportRequest {
  importId: string;
  /** The refusals of chunks after this one (-1: from the start). */
  afterChunk: number;
}

export interface ImportReportPage {
  /** The refusals of the next chunks, in row order; empty when the report is done. */
  failed: ImportClientsResult['failed'];
  /** The last chunk in this page: ask for what follows it. */
  lastChunk: number;
}

export interface ImportClientsResult {
  created: number;
  failed: Array<{ row: number; errors: Array<{ field: string; message: string }> }>;
}

export interface HistoryEntry {
  position: string;
  type: string;
  occurredAt: string;
  actor: { id: string; role: string } | null;
  data: Record<string, unknown>;
}

export interface Seats {
  limit: number | null;
  used: number;
  available: number | null;
  byType: Record<ClientType, number>;
  pending: number;
}

export interface ClientContactView {
  clientId: string;
  accountId: string;
  coachId: string;
  firstName: string;
  lastName: string;
  email: string;
  type: ClientType;
  status: ClientStatus;
  appAccess: AppAccess;
  /**
   * The client stream's version as of this answer: a copy kept elsewhere from the clients events
   * (messaging's policies) that has seen it is current, one that has not is behind.
   */
  version: number;
}

export interface OwnProfile {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  type: ClientType;
}
