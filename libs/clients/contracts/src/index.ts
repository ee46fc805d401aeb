import type { ClientType } from '@clientele/platform/core';

/** What other services (and the gateway) may know of the clients service. */
export const ClientsSubjects = {
  addClient: 'clients.cmd.add-client',
  listClients: 'clients.query.list-clients',
  recentClients: 'clients.query.recent-clients',
  getClient: 'clients.query.get-client',
  health: 'clients.query.health',
} as const;

export const ClientsEvents = {
  clientAdded: 'clients.client.added.v1',
} as const;

export type ClientStatus = 'active' | 'pending';
export type AppAccess = 'none' | 'not_invited' | 'invited' | 'active';
export type ClientSort = 'name' | '-name' | 'createdAt' | '-createdAt' | 'lastActivityAt' | '-lastActivityAt';
export const CLIENT_SORTS: readonly ClientSort[] = ['name', '-name', 'createdAt', '-createdAt', 'lastActivityAt', '-lastActivityAt'];

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

export interface Money {
  amount: number;
  currency: string;
}

export interface ClientProfile extends ClientSummary {
  source: { kind: 'manual' | 'product' | 'import'; productId?: string };
  appAccess: AppAccess;
  notes: Array<{ id: string; body: string; authorId: string; createdAt: string }>;
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

/** clients.client.added.v1 */
export interface ClientAddedEventData {
  clientId: string;
  accountId: string;
  firstName: string;
  lastName: string;
  email: string;
  type: ClientType;
  coachId: string;
  sendInvitation: boolean;
  source: { kind: 'manual' | 'product' | 'import'; productId?: string };
}
