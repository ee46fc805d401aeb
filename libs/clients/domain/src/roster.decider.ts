import { AppError, Decider, ErrorCodes } from '@clientele/platform/core';
import { ClientAddedData } from './client.events';

/**
 * An account's roster (`roster-<accountId>`): which clients hold its seats and which e-mail
 * addresses are taken. Every enrolment goes through this one stream, so optimistic concurrency on
 * it makes "e-mail unique per account" and "no more clients than seats" hold under concurrent
 * requests, in one process or many. `ClientEnrolled` is the commit point of adding a client; it
 * carries the whole client so the enrolment completer can always finish it.
 */
export type RosterEvent =
  | { type: 'RosterSeatLimitSet'; data: { accountId: string; seatLimit: number | null; accountVersion: number } }
  | { type: 'ClientEnrolled'; data: { clientId: string; emailKey: string; client: ClientAddedData } };

export type RosterCommand =
  | { type: 'SetSeatLimit'; accountId: string; seatLimit: number | null; accountVersion: number }
  | { type: 'EnrollClient'; emailKey: string; client: ClientAddedData };

export interface RosterState {
  /** undefined until the roster heard of the account's limit; null means no limit. */
  seatLimit: number | null | undefined;
  limitVersion: number;
  emails: Record<string, string>;
  clients: Record<string, true>;
  seatsUsed: number;
}

export const rosterDecider: Decider<RosterCommand, RosterState, RosterEvent> = {
  initialState: () => ({ seatLimit: undefined, limitVersion: -1, emails: {}, clients: {}, seatsUsed: 0 }),

  decide(command, state) {
    switch (command.type) {
      case 'SetSeatLimit':
        // Limits arrive from the identity service in any order: the newest account version wins.
        if (command.accountVersion <= state.limitVersion) return [];
        return [
          { type: 'RosterSeatLimitSet', data: { accountId: command.accountId, seatLimit: command.seatLimit, accountVersion: command.accountVersion } },
        ];
      case 'EnrollClient': {
        const { client } = command;
        if (state.clients[client.clientId]) return [];
        const holder = state.emails[command.emailKey];
        if (holder !== undefined) {
          throw new AppError(ErrorCodes.emailTaken, `A client with the e-mail ${client.email} already exists in this account.`, [
            { field: 'email', message: 'is already used by another client' },
          ]);
        }
        if (state.seatLimit === undefined) throw new Error('the roster does not know its seat limit yet');
        if (state.seatLimit !== null && state.seatsUsed >= state.seatLimit) {
          throw new AppError(
            ErrorCodes.seatLimitReached,
            `All ${state.seatLimit} client seats of this account are taken; remove a client or raise the seat limit first.`,
          );
        }
        return [{ type: 'ClientEnrolled', data: { clientId: client.clientId, emailKey: command.emailKey, client } }];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'RosterSeatLimitSet':
        return { ...state, seatLimit: event.data.seatLimit, limitVersion: event.data.accountVersion };
      case 'ClientEnrolled':
        // Extended in place: a roster holds thousands of clients and copying its sets per event
        // would make every fold quadratic. A state object is only ever used by the fold that built it.
        state.emails[event.data.emailKey] = event.data.clientId;
        state.clients[event.data.clientId] = true;
        return { ...state, seatsUsed: state.seatsUsed + 1 };
      default:
        return state;
    }
  },
};
