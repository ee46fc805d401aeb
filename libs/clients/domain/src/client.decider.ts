import type { SessionPack } from '@clientele/billing/contracts';
import { ClientsErrors } from '@clientele/clients/contracts';
import { AppError, ClientType, Decider, ErrorCodes, isClientType, type Money } from '@clientele/platform/core';
import { AppAccess, ClientAddedData, ClientContact, ClientEvent, ClientStatus, TypeChangeEffect } from './client.events';
import { validateContactChanges } from './new-client';

/** Who asked (a staff member, the client, or a service on its own) and when. */
type ActorAndTime = { actorId: string; now: string };

/** One client (`client-<id>`): its history starts with ClientAdded and may end with ClientDeleted. */
export type ClientCommand =
  /** The new client's data says who added it and when: the roster's enrolment carries it, sealed. */
  | { type: 'AddClient'; client: ClientAddedData }
  | { type: 'ChangeType'; to: ClientType; metadata: ActorAndTime }
  /** `expectedVersion`: the If-Match of the request; a client changed since is a concurrency conflict. */
  | { type: 'ChangeContact'; changes: Partial<ClientContact>; expectedVersion?: number; metadata: ActorAndTime }
  | { type: 'AddNote'; noteId: string; body: string; metadata: ActorAndTime }
  | { type: 'Reassign'; coachId: string; metadata: ActorAndTime }
  | { type: 'RequestLoginDetails'; metadata: ActorAndTime }
  | { type: 'RequestPasswordReset'; metadata: ActorAndTime }
  | { type: 'Activate'; metadata: { now: string } }
  | { type: 'MarkAppAccessActive'; metadata: { now: string } }
  /** Messages and purchases are recorded with the time the other service gave them. */
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
  | { type: 'DeleteClient'; metadata: ActorAndTime };

/** What the stream knows of a client from ClientAdded until ClientDeleted. */
export interface ClientDetails {
  clientId: string;
  accountId: string;
  contact: ClientContact;
  type: ClientType;
  coachId: string;
  appAccess: AppAccess;
  /** Set once the client has had a working login: leaving offline then restores access instead of inviting. */
  everHadAccess: boolean;
  /**
   * What ETag / If-Match carry: counted from 0, one per event, so it is the stream's revision. It
   * stays in the state because a contact edit's If-Match is decided here, at the command's turn.
   */
  version: number;
  purchaseIds: string[];
}

/**
 * A client is `pending` while waiting for a seat, `active` once it has one. A deleted client keeps
 * nothing: its personal data is not held in memory, and every command but AddClient is not found.
 */
export type ClientState = { status: 'none' } | ({ status: ClientStatus } & ClientDetails) | { status: 'deleted' };

export type ExistingClient = Extract<ClientState, { clientId: string }>;

/** Added and not deleted. */
export function clientExists(state: ClientState): state is ExistingClient {
  return state.status === 'active' || state.status === 'pending';
}

export const MAX_NOTE_LENGTH = 5000;

type Command<Type extends ClientCommand['type']> = Extract<ClientCommand, { type: Type }>;

/** Adding the same client again (the request and the enrolment completer both do) changes nothing, nor does adding a deleted one. */
export const addClient = (command: Command<'AddClient'>, state: ClientState): ClientEvent[] =>
  state.status === 'none' ? [{ type: 'ClientAdded', data: command.client }] : [];

export const changeType = (command: Command<'ChangeType'>, state: ClientState): ClientEvent[] => {
  const client = existing(state);
  if (!isClientType(command.to)) {
    throw new AppError(ErrorCodes.validationFailed, 'Choose one of the client types.', [{ field: 'type', message: 'must be one of full_access, full_access_one_way, offline' }]);
  }
  if (command.to === client.type) return [];
  const effect = typeChangeEffect(client, command.to);
  const { actorId, now } = command.metadata;
  return [
    {
      type: 'ClientTypeChanged',
      data: { ...ids(client), from: client.type, to: command.to, effect, appAccess: appAccessAfter(client, effect), changedAt: now, changedBy: actorId },
    },
  ];
};

export const changeContact = (command: Command<'ChangeContact'>, state: ClientState): ClientEvent[] => {
  const client = existing(state);
  if (command.expectedVersion !== undefined && command.expectedVersion !== client.version) {
    throw new AppError(ErrorCodes.concurrencyConflict, 'The client changed since you read it; reload it and apply your change again.');
  }
  const valid = validateContactChanges(command.changes);
  const changes = Object.fromEntries(
    Object.entries(valid).filter(([field, value]) => client.contact[field as keyof ClientContact] !== value),
  ) as Partial<ClientContact>;
  if (Object.keys(changes).length === 0) return [];
  const { actorId, now } = command.metadata;
  return [{ type: 'ClientContactChanged', data: { ...ids(client), changes, changedAt: now, changedBy: actorId } }];
};

export const addNote = (command: Command<'AddNote'>, state: ClientState): ClientEvent[] => {
  const client = existing(state);
  const body = typeof command.body === 'string' ? command.body : '';
  if (body.trim().length === 0 || body.length > MAX_NOTE_LENGTH) {
    throw new AppError(ErrorCodes.validationFailed, `A note holds 1 to ${MAX_NOTE_LENGTH} characters.`, [
      { field: 'body', message: `must be 1 to ${MAX_NOTE_LENGTH} characters` },
    ]);
  }
  const { actorId, now } = command.metadata;
  return [{ type: 'ClientNoteAdded', data: { ...ids(client), noteId: command.noteId, body, authorId: actorId, addedAt: now } }];
};

export const reassign = (command: Command<'Reassign'>, state: ClientState): ClientEvent[] => {
  const client = existing(state);
  if (command.coachId === client.coachId) return [];
  const { actorId, now } = command.metadata;
  return [{ type: 'ClientReassigned', data: { ...ids(client), from: client.coachId, to: command.coachId, reassignedAt: now, reassignedBy: actorId } }];
};

export const requestLoginDetails = (command: Command<'RequestLoginDetails'>, state: ClientState): ClientEvent[] => {
  const client = existing(state);
  assertCanSignIn(client);
  const { actorId, now } = command.metadata;
  return [
    {
      type: 'ClientLoginDetailsRequested',
      data: { ...ids(client), kind: client.everHadAccess ? 'login_link' : 'invitation', requestedAt: now, requestedBy: actorId },
    },
  ];
};

export const requestPasswordReset = (command: Command<'RequestPasswordReset'>, state: ClientState): ClientEvent[] => {
  const client = existing(state);
  assertCanSignIn(client);
  const { actorId, now } = command.metadata;
  return [{ type: 'ClientPasswordResetRequested', data: { ...ids(client), requestedAt: now, requestedBy: actorId } }];
};

/** A waiting client got a seat. */
export const activate = (command: Command<'Activate'>, state: ClientState): ClientEvent[] => {
  const client = existing(state);
  return client.status === 'pending' ? [{ type: 'ClientActivated', data: { ...ids(client), activatedAt: command.metadata.now } }] : [];
};

/** The client set a password (identity said so); offline meanwhile means it is moot. */
export const markAppAccessActive = (command: Command<'MarkAppAccessActive'>, state: ClientState): ClientEvent[] => {
  const client = existing(state);
  if (client.appAccess === 'active' || client.type === 'offline') return [];
  return [{ type: 'ClientAppAccessActivated', data: { ...ids(client), activatedAt: command.metadata.now } }];
};

export const recordMessage = (command: Command<'RecordMessage'>, state: ClientState): ClientEvent[] => {
  const client = existing(state);
  return [{ type: 'ClientMessageRecorded', data: { ...ids(client), messageId: command.messageId, from: command.from, sentAt: command.sentAt } }];
};

export const recordPurchase = (command: Command<'RecordPurchase'>, state: ClientState): ClientEvent[] => {
  const client = existing(state);
  if (client.purchaseIds.includes(command.purchaseId)) return [];
  return [
    {
      type: 'ClientPurchaseRecorded',
      data: {
        ...ids(client),
        purchaseId: command.purchaseId,
        productId: command.productId,
        amount: command.amount,
        productName: command.productName,
        sessionPack: command.sessionPack,
        purchasedAt: command.purchasedAt,
      },
    },
  ];
};

export const deleteClient = (command: Command<'DeleteClient'>, state: ClientState): ClientEvent[] => {
  const client = existing(state);
  const { actorId, now } = command.metadata;
  return [{ type: 'ClientDeleted', data: { ...ids(client), deletedAt: now, deletedBy: actorId } }];
};

export const clientDecider: Decider<ClientCommand, ClientState, ClientEvent> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'AddClient':
        return addClient(command, state);
      case 'ChangeType':
        return changeType(command, state);
      case 'ChangeContact':
        return changeContact(command, state);
      case 'AddNote':
        return addNote(command, state);
      case 'Reassign':
        return reassign(command, state);
      case 'RequestLoginDetails':
        return requestLoginDetails(command, state);
      case 'RequestPasswordReset':
        return requestPasswordReset(command, state);
      case 'Activate':
        return activate(command, state);
      case 'MarkAppAccessActive':
        return markAppAccessActive(command, state);
      case 'RecordMessage':
        return recordMessage(command, state);
      case 'RecordPurchase':
        return recordPurchase(command, state);
      case 'DeleteClient':
        return deleteClient(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown client command: ${JSON.stringify(unknown)}`);
      }
    }
  },

  evolve(state, event) {
    if (event.type === 'ClientAdded') {
      const d = event.data;
      return {
        status: d.status,
        clientId: d.clientId,
        accountId: d.accountId,
        contact: { firstName: d.firstName, lastName: d.lastName, email: d.email, phone: d.phone },
        type: d.type,
        coachId: d.coachId,
        appAccess: d.appAccess,
        everHadAccess: false,
        version: 0,
        purchaseIds: [],
      };
    }
    if (!clientExists(state)) return state;
    const version = state.version + 1;
    switch (event.type) {
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
        return { status: 'deleted' };
      default:
        return { ...state, version };
    }
  },
};

/**
 * The client-type policy: going offline revokes access; leaving offline invites a client who never
 * had access and restores it for one who had; between the two full-access types only messaging changes.
 */
export function typeChangeEffect(state: Pick<ClientDetails, 'type' | 'everHadAccess' | 'appAccess'>, to: ClientType): TypeChangeEffect {
  if (to === 'offline') return 'access_revoked';
  if (state.type === 'offline') return state.everHadAccess ? 'access_restored' : 'invitation';
  return 'messaging_policy';
}

function appAccessAfter(state: ClientDetails, effect: TypeChangeEffect): AppAccess {
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

/** Every command but AddClient needs a client that was added and not deleted. */
function existing(state: ClientState): ExistingClient {
  if (!clientExists(state)) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
  return state;
}

function ids(client: ExistingClient): { clientId: string; accountId: string } {
  return { clientId: client.clientId, accountId: client.accountId };
}

function assertCanSignIn(state: ClientDetails): void {
  if (state.type === 'offline') {
    throw ClientsErrors.offlineNoLogin();
  }
}
