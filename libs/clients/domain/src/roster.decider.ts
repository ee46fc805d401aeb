import { ClientsErrors } from '@clientele/clients/contracts';
import { AppError, Decider, ErrorCodes } from '@clientele/platform/core';

/**
 * An account's roster (`roster-<accountId>`): who holds its seats, who waits for one, and which
 * e-mail addresses are taken. Every enrolment, e-mail change and removal goes through this one
 * stream, so optimistic concurrency on it makes "e-mail unique per account" and "never more active
 * clients than seats" hold under concurrent requests, in one process or many.
 *
 * `ClientEnrolled` is the commit point of adding a client. It carries the client's stored
 * ClientAdded data (personal fields sealed), opaque here, so the enrolment completer can always
 * finish the addition. E-mails are kept only as a keyed hash (`emailKey`).
 */
export type RosterMemberStatus = 'active' | 'pending';

export type RosterEvent =
  | { type: 'RosterSeatLimitSet'; data: { accountId: string; seatLimit: number | null; accountVersion: number } }
  | { type: 'ClientEnrolled'; data: { clientId: string; emailKey: string; status: RosterMemberStatus; client: Record<string, unknown> } }
  | { type: 'ClientPromoted'; data: { clientId: string } }
  | { type: 'RosterEmailChanged'; data: { clientId: string; emailKey: string; previousEmailKey: string } }
  | { type: 'ClientRemoved'; data: { clientId: string; emailKey: string } };

export interface EnrolmentRequest {
  clientId: string;
  emailKey: string;
  /** `wait`: with no free seat the client joins the waiting list (checkout); `refuse`: 409 (manual adds, imports). */
  whenFull: 'refuse' | 'wait';
  client: Record<string, unknown>;
}

export type RosterCommand =
  | { type: 'SetSeatLimit'; accountId: string; seatLimit: number | null; accountVersion: number }
  | { type: 'EnrolClients'; enrolments: EnrolmentRequest[] }
  | { type: 'ChangeEmail'; clientId: string; emailKey: string }
  | { type: 'RemoveClient'; clientId: string };

/** The account's seat limit as the roster last heard it from identity (null: no limit), with the account version that set it. */
export type RosterSeatLimit = { status: 'unknown' } | { status: 'known'; seatLimit: number | null; accountVersion: number };

export interface RosterState {
  limit: RosterSeatLimit;
  emails: Record<string, string>;
  members: Record<string, { status: RosterMemberStatus; emailKey: string }>;
  active: number;
  /** Client ids waiting for a seat, first come first served. */
  waiting: string[];
}

export interface EnrolmentPlan {
  clientId: string;
  event?: RosterEvent;
  refusal?: AppError;
}

type Command<Type extends RosterCommand['type']> = Extract<RosterCommand, { type: Type }>;

/** Limits arrive from the identity service in any order: the newest account version wins. */
export const setSeatLimit = (command: Command<'SetSeatLimit'>, state: RosterState): RosterEvent[] => {
  if (state.limit.status === 'known' && command.accountVersion <= state.limit.accountVersion) return [];
  const set: RosterEvent = {
    type: 'RosterSeatLimitSet',
    data: { accountId: command.accountId, seatLimit: command.seatLimit, accountVersion: command.accountVersion },
  };
  return [set, ...promotions(state.waiting, freeSeats(command.seatLimit, state.active))];
};

export const enrolClients = (command: Command<'EnrolClients'>, state: RosterState): RosterEvent[] => enrolmentEvents(planEnrolments(state, command.enrolments));

export const changeEmail = (command: Command<'ChangeEmail'>, state: RosterState): RosterEvent[] => {
  const member = state.members[command.clientId];
  if (!member) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
  if (member.emailKey === command.emailKey) return [];
  const holder = state.emails[command.emailKey];
  if (holder !== undefined && holder !== command.clientId) throw ClientsErrors.emailTaken();
  return [{ type: 'RosterEmailChanged', data: { clientId: command.clientId, emailKey: command.emailKey, previousEmailKey: member.emailKey } }];
};

export const removeClient = (command: Command<'RemoveClient'>, state: RosterState): RosterEvent[] => {
  const member = state.members[command.clientId];
  if (!member) return [];
  const removed: RosterEvent = { type: 'ClientRemoved', data: { clientId: command.clientId, emailKey: member.emailKey } };
  if (member.status === 'pending' || state.limit.status === 'unknown') return [removed];
  // The freed seat goes to whoever waited longest.
  const waiting = state.waiting.filter((id) => id !== command.clientId);
  return [removed, ...promotions(waiting, freeSeats(state.limit.seatLimit, state.active - 1))];
};

export const rosterDecider: Decider<RosterCommand, RosterState, RosterEvent> = {
  initialState: () => ({ limit: { status: 'unknown' }, emails: {}, members: {}, active: 0, waiting: [] }),

  decide(command, state) {
    switch (command.type) {
      case 'SetSeatLimit':
        return setSeatLimit(command, state);
      case 'EnrolClients':
        return enrolClients(command, state);
      case 'ChangeEmail':
        return changeEmail(command, state);
      case 'RemoveClient':
        return removeClient(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown roster command: ${JSON.stringify(unknown)}`);
      }
    }
  },

  evolve(state, event) {
    // Maps are extended in place: a roster holds thousands of clients and copying them per event
    // would make every fold quadratic. A state is only evolved by the fold (or the command) that owns it.
    switch (event.type) {
      case 'RosterSeatLimitSet':
        return { ...state, limit: { status: 'known', seatLimit: event.data.seatLimit, accountVersion: event.data.accountVersion } };
      case 'ClientEnrolled': {
        const { clientId, emailKey, status } = event.data;
        state.emails[emailKey] = clientId;
        state.members[clientId] = { status, emailKey };
        return status === 'active' ? { ...state, active: state.active + 1 } : { ...state, waiting: [...state.waiting, clientId] };
      }
      case 'ClientPromoted': {
        const member = state.members[event.data.clientId];
        if (!member || member.status !== 'pending') return state;
        member.status = 'active';
        return { ...state, active: state.active + 1, waiting: state.waiting.filter((id) => id !== event.data.clientId) };
      }
      case 'RosterEmailChanged':
        delete state.emails[event.data.previousEmailKey];
        state.emails[event.data.emailKey] = event.data.clientId;
        if (state.members[event.data.clientId]) state.members[event.data.clientId].emailKey = event.data.emailKey;
        return { ...state };
      case 'ClientRemoved': {
        const member = state.members[event.data.clientId];
        if (!member) return state;
        delete state.members[event.data.clientId];
        if (state.emails[member.emailKey] === event.data.clientId) delete state.emails[member.emailKey];
        return member.status === 'active'
          ? { ...state, active: state.active - 1 }
          : { ...state, waiting: state.waiting.filter((id) => id !== event.data.clientId) };
      }
      default:
        return state;
    }
  },
};

export type EnrolClients = Extract<RosterCommand, { type: 'EnrolClients' }>;

/**
 * The roster deciding `EnrolClients` with the plan of each enrolment as its result (a decider
 * outcome): the caller learns why any was refused from the very decision that was recorded.
 */
export const rosterEnrolmentDecider = {
  initialState: rosterDecider.initialState,
  evolve: rosterDecider.evolve,
  decide(command: EnrolClients, state: RosterState): { events: RosterEvent[]; result: EnrolmentPlan[] } {
    const plans = planEnrolments(state, command.enrolments);
    return { events: enrolmentEvents(plans), result: plans };
  },
};

/**
 * Decides a batch of enrolments in order, each seeing the ones before it: what `EnrolClients`
 * records, and, for the caller, why a refused one was refused.
 */
export function planEnrolments(state: RosterState, enrolments: readonly EnrolmentRequest[]): EnrolmentPlan[] {
  if (state.limit.status === 'unknown') throw new Error('the roster does not know its seat limit yet');
  const { seatLimit } = state.limit;
  const takenInBatch = new Map<string, string>();
  const enrolledInBatch = new Set<string>();
  let active = state.active;
  return enrolments.map((request) => {
    // Enrolling the same client again (a retried request) changes nothing.
    if (state.members[request.clientId] || enrolledInBatch.has(request.clientId)) return { clientId: request.clientId };
    const holder = state.emails[request.emailKey] ?? takenInBatch.get(request.emailKey);
    if (holder !== undefined) return { clientId: request.clientId, refusal: ClientsErrors.emailTaken() };
    const seatFree = seatLimit === null || active < seatLimit;
    if (!seatFree && request.whenFull === 'refuse') {
      return {
        clientId: request.clientId,
        refusal: ClientsErrors.seatLimitReached(seatLimit),
      };
    }
    const status: RosterMemberStatus = seatFree ? 'active' : 'pending';
    if (seatFree) active++;
    takenInBatch.set(request.emailKey, request.clientId);
    enrolledInBatch.add(request.clientId);
    return {
      clientId: request.clientId,
      event: { type: 'ClientEnrolled', data: { clientId: request.clientId, emailKey: request.emailKey, status, client: request.client } },
    };
  });
}

function enrolmentEvents(plans: readonly EnrolmentPlan[]): RosterEvent[] {
  return plans.flatMap((plan) => (plan.event ? [plan.event] : []));
}

export function freeSeats(seatLimit: number | null, active: number): number {
  if (seatLimit === null) return Number.POSITIVE_INFINITY;
  return Math.max(0, seatLimit - active);
}

function promotions(waiting: readonly string[], free: number): RosterEvent[] {
  return waiting.slice(0, Number.isFinite(free) ? free : waiting.length).map((clientId) => ({ type: 'ClientPromoted' as const, data: { clientId } }));
}
