import { AppError, Decider, ErrorCodes } from '@clientele/platform/core';

/** A business on Clientele (`account-<id>`): its name and how many client seats it has. */
export type AccountEvent =
  | { type: 'AccountOpened'; data: { accountId: string; businessName: string; seatLimit: number | null; ownerId: string; openedAt: string } }
  | { type: 'AccountSeatLimitChanged'; data: { accountId: string; seatLimit: number | null; previousSeatLimit: number | null; changedAt: string } }
  /** The name clients see in mails and buyers on the checkout page. */
  | { type: 'AccountRenamed'; data: { accountId: string; businessName: string; previousBusinessName: string; renamedAt: string } };

export type AccountCommand =
  | { type: 'OpenAccount'; accountId: string; businessName: string; seatLimit: number | null; ownerId: string; metadata: { now: string } }
  | { type: 'ChangeSeatLimit'; seatLimit: number | null; metadata: { now: string } }
  | { type: 'RenameBusiness'; businessName: string; metadata: { now: string } }
  /** The settings form: what is absent stays; both are checked before anything is recorded. */
  | { type: 'UpdateAccount'; seatLimit?: number | null; businessName?: string; metadata: { now: string } };

export type AccountState =
  | { status: 'none' }
  | { status: 'open'; accountId: string; businessName: string; seatLimit: number | null; ownerId: string; openedAt: string };

export const MAX_SEAT_LIMIT = 1_000_000;

export const openAccount = (command: Extract<AccountCommand, { type: 'OpenAccount' }>, state: AccountState): AccountEvent[] => {
  // Opening the same account again (a retried sign-up) changes nothing.
  if (state.status === 'open') return [];
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
        openedAt: command.metadata.now,
      },
    },
  ];
};

export const changeSeatLimit = (command: Extract<AccountCommand, { type: 'ChangeSeatLimit' }>, state: AccountState): AccountEvent[] => {
  if (state.status === 'none') throw new AppError(ErrorCodes.notFound, 'This account does not exist.');
  assertSeatLimit(command.seatLimit);
  if (command.seatLimit === state.seatLimit) return [];
  return [
    {
      type: 'AccountSeatLimitChanged',
      data: { accountId: state.accountId, seatLimit: command.seatLimit, previousSeatLimit: state.seatLimit, changedAt: command.metadata.now },
    },
  ];
};

export const MAX_BUSINESS_NAME_LENGTH = 200;

export const renameBusiness = (command: Extract<AccountCommand, { type: 'RenameBusiness' }>, state: AccountState): AccountEvent[] => {
  if (state.status === 'none') throw new AppError(ErrorCodes.notFound, 'This account does not exist.');
  const businessName = command.businessName.trim();
  if (businessName.length === 0 || businessName.length > MAX_BUSINESS_NAME_LENGTH) {
    throw new AppError(ErrorCodes.validationFailed, `Enter the name of the business (at most ${MAX_BUSINESS_NAME_LENGTH} characters).`, [
      { field: 'businessName', message: `Enter the name of the business (at most ${MAX_BUSINESS_NAME_LENGTH} characters).` },
    ]);
  }
  if (businessName === state.businessName) return [];
  return [{ type: 'AccountRenamed', data: { accountId: state.accountId, businessName, previousBusinessName: state.businessName, renamedAt: command.metadata.now } }];
};

export const updateAccount = (command: Extract<AccountCommand, { type: 'UpdateAccount' }>, state: AccountState): AccountEvent[] => {
  const { metadata } = command;
  // Each part throws before anything is returned: a bad seat limit records no new name either.
  const renamed = command.businessName === undefined ? [] : renameBusiness({ type: 'RenameBusiness', businessName: command.businessName, metadata }, state);
  const limited = command.seatLimit === undefined ? [] : changeSeatLimit({ type: 'ChangeSeatLimit', seatLimit: command.seatLimit, metadata }, state);
  if (state.status === 'none') throw new AppError(ErrorCodes.notFound, 'This account does not exist.');
  return [...renamed, ...limited];
};

export const accountDecider: Decider<AccountCommand, AccountState, AccountEvent> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'OpenAccount':
        return openAccount(command, state);
      case 'ChangeSeatLimit':
        return changeSeatLimit(command, state);
      case 'RenameBusiness':
        return renameBusiness(command, state);
      case 'UpdateAccount':
        return updateAccount(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown account command: ${JSON.stringify(unknown)}`);
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'AccountOpened': {
        const { accountId, businessName, seatLimit, ownerId, openedAt } = event.data;
        return { status: 'open', accountId, businessName, seatLimit, ownerId, openedAt };
      }
      case 'AccountSeatLimitChanged':
        return state.status === 'none' ? state : { ...state, seatLimit: event.data.seatLimit };
      case 'AccountRenamed':
        return state.status === 'none' ? state : { ...state, businessName: event.data.businessName };
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
