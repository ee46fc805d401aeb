import { AppError, Decider, ErrorCodes } from '@clientele/platform/core';

/** A business on Clientele (`account-<id>`): its name and how many client seats it has. */
export type AccountEvent =
  | { type: 'AccountOpened'; data: { accountId: string; businessName: string; seatLimit: number | null; ownerId: string; openedAt: string } }
  | { type: 'AccountSeatLimitChanged'; data: { accountId: string; seatLimit: number | null; previousSeatLimit: number | null; changedAt: string } };

export type AccountCommand =
  | { type: 'OpenAccount'; accountId: string; businessName: string; seatLimit: number | null; ownerId: string; now: string }
  | { type: 'ChangeSeatLimit'; seatLimit: number | null; now: string };

export interface AccountState {
  exists: boolean;
  accountId: string | null;
  businessName: string;
  seatLimit: number | null;
  ownerId: string | null;
  openedAt: string | null;
}

export const MAX_SEAT_LIMIT = 1_000_000;

export const accountDecider: Decider<AccountCommand, AccountState, AccountEvent> = {
  initialState: () => ({ exists: false, accountId: null, businessName: '', seatLimit: null, ownerId: null, openedAt: null }),

  decide(command, state) {
    switch (command.type) {
      case 'OpenAccount':
        // Opening the same account again (a retried sign-up) changes nothing.
        if (state.exists) return [];
        assertSeatLimit(command.seatLimit);
        if (command.businessName.trim().length === 0) {
          throw new AppError(ErrorCodes.validationFailed, 'The business needs a name.', [{ field: 'businessName', message: 'must not be empty' }]);
        }
        return [
          {
            type: 'AccountOpened',
            data: {
              accountId: command.accountId,
              businessName: command.businessName.trim(),
              seatLimit: command.seatLimit,
              ownerId: command.ownerId,
              openedAt: command.now,
            },
          },
        ];
      case 'ChangeSeatLimit':
        if (!state.exists) throw new AppError(ErrorCodes.notFound, 'This account does not exist.');
        assertSeatLimit(command.seatLimit);
        if (command.seatLimit === state.seatLimit) return [];
        return [
          {
            type: 'AccountSeatLimitChanged',
            data: { accountId: state.accountId!, seatLimit: command.seatLimit, previousSeatLimit: state.seatLimit, changedAt: command.now },
          },
        ];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'AccountOpened':
        return {
          exists: true,
          accountId: event.data.accountId,
          businessName: event.data.businessName,
          seatLimit: event.data.seatLimit,
          ownerId: event.data.ownerId,
          openedAt: event.data.openedAt,
        };
      case 'AccountSeatLimitChanged':
        return { ...state, seatLimit: event.data.seatLimit };
      default:
        return state;
    }
  },
};

function assertSeatLimit(seatLimit: number | null): void {
  if (seatLimit === null) return;
  if (!Number.isInteger(seatLimit) || seatLimit < 0 || seatLimit > MAX_SEAT_LIMIT) {
    throw new AppError(ErrorCodes.validationFailed, `The seat limit must be a whole number from 0 to ${MAX_SEAT_LIMIT}, or null for no limit.`, [
      { field: 'seatLimit', message: `must be a whole number from 0 to ${MAX_SEAT_LIMIT}, or null` },
    ]);
  }
}
