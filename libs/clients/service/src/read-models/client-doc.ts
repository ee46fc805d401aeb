import type { ClientProfile, ClientSummary } from '@clientele/clients/contracts';

/** The stored read model of one client: the profile plus keys for sorting and scoping. */
export type ClientDoc = ClientProfile & {
  accountId: string;
  firstNameKey: string;
  lastNameKey: string;
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
    notes: doc.notes,
    kpis: doc.kpis,
    updatedAt: doc.updatedAt,
    version: doc.version,
  };
}
