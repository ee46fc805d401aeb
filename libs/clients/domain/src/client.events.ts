import type { ClientType } from '@clientele/platform/core';

export type ClientSource = { kind: 'manual' } | { kind: 'product'; productId: string } | { kind: 'import' };
export type AppAccess = 'none' | 'not_invited' | 'invited' | 'active';

export interface ClientAddedData {
  clientId: string;
  accountId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  type: ClientType;
  coachId: string;
  source: ClientSource;
  sendInvitation: boolean;
  appAccess: AppAccess;
  addedAt: string;
  addedBy: string;
}

export type ClientEvent = { type: 'ClientAdded'; data: ClientAddedData };

export function initialAppAccess(type: ClientType, sendInvitation: boolean): AppAccess {
  if (type === 'offline') return 'none';
  return sendInvitation ? 'invited' : 'not_invited';
}
