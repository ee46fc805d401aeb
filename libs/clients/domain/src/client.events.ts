import type { SessionPack } from '@clientele/billing/contracts';
import type { ClientType, Money } from '@clientele/platform/core';

export type ClientSource = { kind: 'manual' } | { kind: 'product'; productId: string } | { kind: 'import' };
export type AppAccess = 'none' | 'not_invited' | 'invited' | 'active';
export type ClientStatus = 'active' | 'pending';

/** What happens to the client's app access and messaging when the type changes (architecture.md). */
export type TypeChangeEffect = 'access_revoked' | 'invitation' | 'access_restored' | 'messaging_policy';

export interface ClientContact {
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
}

export interface ClientAddedData extends ClientContact {
  clientId: string;
  accountId: string;
  type: ClientType;
  status: ClientStatus;
  coachId: string;
  source: ClientSource;
  sendInvitation: boolean;
  appAccess: AppAccess;
  addedAt: string;
  addedBy: string;
}

/** Events of one client's stream (`client-<id>`). Personal fields are sealed when stored. */
export type ClientEvent =
  | { type: 'ClientAdded'; data: ClientAddedData }
  | {
      type: 'ClientTypeChanged';
      data: { clientId: string; accountId: string; from: ClientType; to: ClientType; effect: TypeChangeEffect; appAccess: AppAccess; changedAt: string; changedBy: string };
    }
  | { type: 'ClientContactChanged'; data: { clientId: string; accountId: string; changes: Partial<ClientContact>; changedAt: string; changedBy: string } }
  | { type: 'ClientNoteAdded'; data: { clientId: string; accountId: string; noteId: string; body: string; authorId: string; addedAt: string } }
  | { type: 'ClientReassigned'; data: { clientId: string; accountId: string; from: string; to: string; reassignedAt: string; reassignedBy: string } }
  | { type: 'ClientLoginDetailsRequested'; data: { clientId: string; accountId: string; kind: 'invitation' | 'login_link'; requestedAt: string; requestedBy: string } }
  | { type: 'ClientPasswordResetRequested'; data: { clientId: string; accountId: string; requestedAt: string; requestedBy: string } }
  | { type: 'ClientActivated'; data: { clientId: string; accountId: string; activatedAt: string } }
  | { type: 'ClientAppAccessActivated'; data: { clientId: string; accountId: string; activatedAt: string } }
  | { type: 'ClientMessageRecorded'; data: { clientId: string; accountId: string; messageId: string; from: 'coach' | 'client'; sentAt: string } }
  | {
      type: 'ClientPurchaseRecorded';
      data: {
        clientId: string;
        accountId: string;
        purchaseId: string;
        productId: string;
        amount: Money;
        /** What was sold (absent on purchases recorded before session packs): a pack becomes a bundle in scheduling. */
        productName?: string;
        sessionPack?: SessionPack | null;
        purchasedAt: string;
      };
    }
  | { type: 'ClientDeleted'; data: { clientId: string; accountId: string; deletedAt: string; deletedBy: string } };

export type ClientEventType = ClientEvent['type'];

export function initialAppAccess(type: ClientType, sendInvitation: boolean): AppAccess {
  if (type === 'offline') return 'none';
  return sendInvitation ? 'invited' : 'not_invited';
}
