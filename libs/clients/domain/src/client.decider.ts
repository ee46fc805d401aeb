import type { SessionPack } from '@clientele/billing/contracts';
import { ClientsErrors } from '@clientele/clients/contracts';
import { AppError, ClientType, Decider, ErrorCodes, isClientType, type Money } from '@clientele/platform/core';
import { AppAccess, ClientAddedData, ClientContact, ClientEvent, ClientStatus, TypeChangeEffect } from './client.events';
import { validateContactChanges } from './new-client';

/** One client (`client-<id>`): its history starts with ClientAdded and may end with ClientDeleted. */
export type ClientCommand =
  | { type: 'AddClient'; client: ClientAddedData }
  | { type: 'ChangeType'; to: ClientType; actorId: string; now: string }
  | { type: 'ChangeContact'; changes: Partial<ClientContact>; expectedVersion?: number; actorId: string; now: string }
  | { type: 'AddNote'; noteId: string; body: string; actorId: string; now: string }
  | { type: 'Reassign'; coachId: string; actorId: string; now: string }
  | { type: 'RequestLoginDetails'; actorId: string; now: string }
  | { type: 'RequestPasswordReset'; actorId: string; now: string }
  | { type: 'Activate'; now: string }
  | { type: 'MarkAppAccessActive'; now: string }
  | { type: 'RecordMessage'; messageId: string; from: 'coach' | 'client'; sentAt: string }
  | {
      type: 'RecordPurchase';
      purchaseId: string;
      productId: string;
      amount: Money;
      productName: string;
      sessionPack: SessionPack | null;
      purchasedAt: string;
    }
  | { type: 'DeleteClient'; actorId: string; now: string };

export interface ClientState {
  exists: boolean;
  deleted: boolean;
  clientId: string;
  accountId: string;
  contact: ClientContact;
  type: ClientType;
  status: ClientStatus;
  coachId: string;
  appAccess: AppAccess;
  /** Set once the client has had a working login: leaving offline then restores access instead of inviting. */
  everHadAccess: boolean;
  /** Revision of the stream: what ETag / If-Match carry. */
  version: number;
  purchaseIds: string[];
}

export const MAX_NOTE_LENGTH = 5000;

export const clientDecider: Decider<ClientCommand, ClientState, ClientEvent> = {
  initialState: () => ({
    exists: false,
    deleted: false,
    clientId: '',
    accountId: '',
    contact: { firstName: '', lastName: '', email: '', phone: null },
    type: 'offline',
    status: 'active',
    coachId: '',
    appAccess: 'none',
    everHadAccess: false,
    version: -1,
    purchaseIds: [],
  }),

  decide(command, state) {
    if (command.type === 'AddClient') {
      // Adding the same client again (the request and the enrolment completer both do) changes nothing.
      return state.exists ? [] : [{ type: 'ClientAdded', data: command.client }];
    }
    if (!state.exists || state.deleted) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
    const ids = { clientId: state.clientId, accountId: state.accountId };

    switch (command.type) {
      case 'ChangeType': {
        if (!isClientType(command.to)) {
          throw new AppError(ErrorCodes.validationFailed, 'Choose one of the client types.', [{ field: 'type', message: 'must be one of full_access, full_access_one_way, offline' }]);
        }
        if (command.to === state.type) return [];
        const effect = typeChangeEffect(state, command.to);
        return [
          {
            type: 'ClientTypeChanged',
            data: { ...ids, from: state.type, to: command.to, effect, appAccess: appAccessAfter(state, effect), changedAt: command.now, changedBy: command.actorId },
          },
        ];
      }
      case 'ChangeContact': {
        if (command.expectedVersion !== undefined && command.expectedVersion !== state.version) {
          throw new AppError(ErrorCodes.concurrencyConflict, 'The client changed since you read it; reload it and apply your change again.');
        }
        const valid = validateContactChanges(command.changes);
        const changes = Object.fromEntries(
          Object.entries(valid).filter(([field, value]) => state.contact[field as keyof ClientContact] !== value),
        ) as Partial<ClientContact>;
        if (Object.keys(changes).length === 0) return [];
        return [{ type: 'ClientContactChanged', data: { ...ids, changes, changedAt: command.now, changedBy: command.actorId } }];
      }
      case 'AddNote': {
        const body = typeof command.body === 'string' ? command.body : '';
        if (body.trim().length === 0 || body.length > MAX_NOTE_LENGTH) {
          throw new AppError(ErrorCodes.validationFailed, `A note holds 1 to ${MAX_NOTE_LENGTH} characters.`, [
            { field: 'body', message: `must be 1 to ${MAX_NOTE_LENGTH} characters` },
          ]);
        }
        return [{ type: 'ClientNoteAdded', data: { ...ids, noteId: command.noteId, body, authorId: command.actorId, addedAt: command.now } }];
      }
      case 'Reassign':
        if (command.coachId === state.coachId) return [];
        return [{ type: 'ClientReassigned', data: { ...ids, from: state.coachId, to: command.coachId, reassignedAt: command.now, reassignedBy: command.actorId } }];
      case 'RequestLoginDetails':
        assertCanSignIn(state);
        return [
          {
            type: 'ClientLoginDetailsRequested',
            data: { ...ids, kind: state.everHadAccess ? 'login_link' : 'invitation', requestedAt: command.now, requestedBy: command.actorId },
          },
        ];
      case 'RequestPasswordReset':
        assertCanSignIn(state);
        return [{ type: 'ClientPasswordResetRequested', data: { ...ids, requestedAt: command.now, requestedBy: command.actorId } }];
      case 'Activate':
        return state.status === 'pending' ? [{ type: 'ClientActivated', data: { ...ids, activatedAt: command.now } }] : [];
      case 'RecordMessage':
        return [{ type: 'ClientMessageRecorded', data: { ...ids, messageId: command.messageId, from: command.from, sentAt: command.sentAt } }];
      case 'RecordPurchase':
        if (state.purchaseIds.includes(command.purchaseId)) return [];
        return [
          {
            type: 'ClientPurchaseRecorded',
            data: {
              ...ids,
              purchaseId: command.purchaseId,
              productId: command.productId,
              amount: command.amount,
              productName: command.productName,
              sessionPack: command.sessionPack,
              purchasedAt: command.purchasedAt,
            },
          },
        ];
      case 'MarkAppAccessActive':
        // The client set a password (identity said so); offline meanwhile means it is moot.
        return state.appAccess === 'active' || state.type === 'offline' ? [] : [{ type: 'ClientAppAccessActivated', data: { ...ids, activatedAt: command.now } }];
      case 'DeleteClient':
        return [{ type: 'ClientDeleted', data: { ...ids, deletedAt: command.now, deletedBy: command.actorId } }];
    }
  },

  evolve(state, event) {
    const version = state.version + 1;
    switch (event.type) {
      case 'ClientAdded': {
        const d = event.data;
        return {
          ...state,
          exists: true,
          clientId: d.clientId,
          accountId: d.accountId,
          contact: { firstName: d.firstName, lastName: d.lastName, email: d.email, phone: d.phone },
          type: d.type,
          status: d.status,
          coachId: d.coachId,
          appAccess: d.appAccess,
          version,
        };
      }
      case 'ClientTypeChanged':
        return {
          ...state,
          type: event.data.to,
          appAccess: event.data.appAccess,
          everHadAccess: state.everHadAccess || state.appAccess === 'active',
          version,
        };
      case 'ClientContactChanged':
        return { ...state, contact: { ...state.contact, ...event.data.changes }, version };
      case 'ClientReassigned':
        return { ...state, coachId: event.data.to, version };
      case 'ClientActivated':
        return { ...state, status: 'active', version };
      case 'ClientAppAccessActivated':
        return { ...state, appAccess: 'active', everHadAccess: true, version };
      case 'ClientPurchaseRecorded':
        return { ...state, purchaseIds: [...state.purchaseIds, event.data.purchaseId], version };
      case 'ClientDeleted':
        return { ...state, deleted: true, version };
      default:
        return { ...state, version };
    }
  },
};

/**
 * The client-type policy: going offline revokes access; leaving offline invites a client who never
 * had access and restores it for one who had; between the two full-access types only messaging changes.
 */
export function typeChangeEffect(state: Pick<ClientState, 'type' | 'everHadAccess' | 'appAccess'>, to: ClientType): TypeChangeEffect {
  if (to === 'offline') return 'access_revoked';
  if (state.type === 'offline') return state.everHadAccess ? 'access_restored' : 'invitation';
  return 'messaging_policy';
}

function appAccessAfter(state: ClientState, effect: TypeChangeEffect): AppAccess {
  switch (effect) {
    case 'access_revoked':
      return 'none';
    case 'invitation':
      return 'invited';
    case 'access_restored':
      return 'active';
    case 'messaging_policy':
      return state.appAccess;
  }
}

function assertCanSignIn(state: ClientState): void {
  if (state.type === 'offline') {
    throw ClientsErrors.offlineNoLogin();
  }
}
