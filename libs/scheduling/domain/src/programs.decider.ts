import { AppError, Decider, ErrorCodes, type Money } from '@clientele/platform/core';
import { SchedulingErrors } from '@clientele/scheduling/contracts';

/**
 * A client's programs (`programs-<clientId>`): bundles of N sessions sold to the client, from a
 * product or made up by the coach ("New bundle"). A bundle is active while sessions remain (and it
 * has not expired), completed when used up or expired. Completing a session (attended or a
 * no-show: the slot was held) consumes one session from the client's oldest active bundle; a
 * session is consumed at most once, whatever redelivers the completion.
 *
 * A bundle is paid as a whole: one bought as a product (a session pack) was paid at checkout; one
 * the coach made up is pending until its payment is recorded, and a payment can be refunded once.
 */
export type ProgramsEvent =
  | {
      type: 'BundleCreated';
      data: {
        bundleId: string;
        clientId: string;
        accountId: string;
        name: string;
        sessions: number;
        price: Money;
        productId: string | null;
        /** The checkout that sold it (a session pack); absent on bundles made before packs existed. */
        purchaseId?: string | null;
        expiresAt: string | null;
        createdBy: string;
        createdAt: string;
      };
    }
  | { type: 'BundlePaymentRecorded'; data: { bundleId: string; clientId: string; accountId: string; amount: Money; paidAt: string } }
  | { type: 'BundlePaymentRefunded'; data: { bundleId: string; clientId: string; accountId: string; amount: Money; paidAt: string; refundedAt: string } }
  /** The client was deleted: the personal data scheduling kept in clear (read models) is erased. */
  | { type: 'ClientErased'; data: { clientId: string; accountId: string; erasedAt: string } }
  | { type: 'BundleSessionConsumed'; data: { bundleId: string; clientId: string; accountId: string; sessionId: string; remaining: number; consumedAt: string } }
  | { type: 'BundleUsedUp'; data: { bundleId: string; clientId: string; accountId: string; usedUpAt: string } };

export type ProgramsCommand =
  | {
      type: 'CreateBundle';
      bundleId: string;
      clientId: string;
      accountId: string;
      name: string;
      sessions: number;
      price: Money;
      productId: string | null;
      expiresAt: string | null;
      /** A session pack sold at checkout: the purchase, paid then. */
      purchase?: { purchaseId: string; paidAt: string };
      /** The actor is who made it: the coach, or `billing` for a session pack. */
      metadata: { actorId: string; now: string };
    }
  | { type: 'ConsumeSession'; clientId: string; accountId: string; sessionId: string; sessionStart: string; metadata: { now: string } }
  | { type: 'RecordBundlePayment'; bundleId: string; amount?: Money; metadata: { now: string } }
  | { type: 'RefundBundlePayment'; bundleId: string; metadata: { now: string } }
  | { type: 'EraseClient'; clientId: string; accountId: string; metadata: { now: string } };

type ProgramsCommandOf<Type extends ProgramsCommand['type']> = Extract<ProgramsCommand, { type: Type }>;

export interface BundleState {
  bundleId: string;
  clientId: string;
  accountId: string;
  sessions: number;
  used: number;
  price: Money;
  expiresAt: string | null;
  createdAt: string;
  payment: { status: 'paid' | 'refunded'; amount: Money; paidAt: string } | null;
}

export interface ProgramsState {
  bundles: BundleState[];
  /** sessionId -> the bundle it was taken from */
  consumed: Record<string, string>;
  erased?: boolean;
}

export const MAX_BUNDLE_SESSIONS = 500;

/** The bundle a session held at `at` is taken from: the oldest one with sessions left that had not expired by then. */
export function bundleFor(state: ProgramsState, at: string): BundleState | undefined {
  const atMs = Date.parse(at);
  return state.bundles.find((b) => b.used < b.sessions && (b.expiresAt === null || Date.parse(b.expiresAt) > atMs));
}

export const createBundle = (command: ProgramsCommandOf<'CreateBundle'>, state: ProgramsState): ProgramsEvent[] => {
  if (state.bundles.some((b) => b.bundleId === command.bundleId)) return [];
  const { actorId: createdBy, now } = command.metadata;
  const errors = [];
  if (typeof command.name !== 'string' || command.name.trim() === '' || command.name.length > 200) errors.push({ field: 'name', message: 'must be 1 to 200 characters' });
  if (!Number.isInteger(command.sessions) || command.sessions < 1 || command.sessions > MAX_BUNDLE_SESSIONS) {
    errors.push({ field: 'sessions', message: `must be a whole number from 1 to ${MAX_BUNDLE_SESSIONS}` });
  }
  if (!Number.isInteger(command.price.amount) || command.price.amount < 0) errors.push({ field: 'price.amount', message: 'must be a non-negative integer' });
  if (command.expiresAt !== null && (Number.isNaN(Date.parse(command.expiresAt)) || Date.parse(command.expiresAt) <= Date.parse(now))) {
    errors.push({ field: 'expiresAt', message: 'must be a date and time in the future' });
  }
  if (errors.length) throw new AppError(ErrorCodes.validationFailed, 'Some fields of the bundle are not valid; see errors.', errors);
  const { bundleId, clientId, accountId, name, sessions, price, productId, purchase } = command;
  const expiresAt = command.expiresAt === null ? null : new Date(command.expiresAt).toISOString();
  const purchaseId = purchase?.purchaseId ?? null;
  const created: ProgramsEvent = {
    type: 'BundleCreated',
    data: { bundleId, clientId, accountId, name: name.trim(), sessions, price, productId, purchaseId, expiresAt, createdBy, createdAt: now },
  };
  if (!purchase || price.amount === 0) return [created];
  return [created, { type: 'BundlePaymentRecorded', data: { bundleId, clientId, accountId, amount: price, paidAt: purchase.paidAt } }];
};

export const eraseClient = (command: ProgramsCommandOf<'EraseClient'>, state: ProgramsState): ProgramsEvent[] =>
  state.erased ? [] : [{ type: 'ClientErased', data: { clientId: command.clientId, accountId: command.accountId, erasedAt: command.metadata.now } }];

export const recordBundlePayment = (command: ProgramsCommandOf<'RecordBundlePayment'>, state: ProgramsState): ProgramsEvent[] => {
  const bundle = existingBundle(state, command.bundleId);
  if (bundle.payment) {
    throw SchedulingErrors.paymentAlreadyRecorded('bundle', bundle.payment.status);
  }
  const amount = command.amount ?? bundle.price;
  if (!Number.isInteger(amount.amount) || amount.amount <= 0) {
    throw SchedulingErrors.nothingToPay('bundle');
  }
  const { bundleId, clientId, accountId } = bundle;
  return [{ type: 'BundlePaymentRecorded', data: { bundleId, clientId, accountId, amount, paidAt: command.metadata.now } }];
};

export const refundBundlePayment = (command: ProgramsCommandOf<'RefundBundlePayment'>, state: ProgramsState): ProgramsEvent[] => {
  const bundle = existingBundle(state, command.bundleId);
  if (!bundle.payment || bundle.payment.status !== 'paid') {
    throw SchedulingErrors.paymentNotRefundable('bundle', bundle.payment !== null);
  }
  const { bundleId, clientId, accountId } = bundle;
  return [{ type: 'BundlePaymentRefunded', data: { bundleId, clientId, accountId, amount: bundle.payment.amount, paidAt: bundle.payment.paidAt, refundedAt: command.metadata.now } }];
};

export const consumeSession = (command: ProgramsCommandOf<'ConsumeSession'>, state: ProgramsState): ProgramsEvent[] => {
  if (state.consumed[command.sessionId]) return [];
  const bundle = bundleFor(state, command.sessionStart);
  // No active bundle: the session is paid on its own.
  if (!bundle) return [];
  const remaining = bundle.sessions - bundle.used - 1;
  const { clientId, accountId, sessionId } = command;
  const { now } = command.metadata;
  const consumed: ProgramsEvent = { type: 'BundleSessionConsumed', data: { bundleId: bundle.bundleId, clientId, accountId, sessionId, remaining, consumedAt: now } };
  return remaining === 0 ? [consumed, { type: 'BundleUsedUp', data: { bundleId: bundle.bundleId, clientId, accountId, usedUpAt: now } }] : [consumed];
};

export const programsDecider: Decider<ProgramsCommand, ProgramsState, ProgramsEvent> = {
  initialState: () => ({ bundles: [], consumed: {} }),
  decide(command, state) {
    switch (command.type) {
      case 'CreateBundle':
        return createBundle(command, state);
      case 'EraseClient':
        return eraseClient(command, state);
      case 'RecordBundlePayment':
        return recordBundlePayment(command, state);
      case 'RefundBundlePayment':
        return refundBundlePayment(command, state);
      case 'ConsumeSession':
        return consumeSession(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown programs command: ${JSON.stringify(unknown)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'BundleCreated': {
        const { bundleId, clientId, accountId, sessions, price, expiresAt, createdAt } = event.data;
        return { ...state, bundles: [...state.bundles, { bundleId, clientId, accountId, sessions, used: 0, price, expiresAt, createdAt, payment: null }] };
      }
      case 'ClientErased':
        return { ...state, erased: true };
      case 'BundlePaymentRecorded':
        return {
          ...state,
          bundles: state.bundles.map((b) => (b.bundleId === event.data.bundleId ? { ...b, payment: { status: 'paid', amount: event.data.amount, paidAt: event.data.paidAt } } : b)),
        };
      case 'BundlePaymentRefunded':
        return {
          ...state,
          bundles: state.bundles.map((b) => (b.bundleId === event.data.bundleId && b.payment ? { ...b, payment: { ...b.payment, status: 'refunded' } } : b)),
        };
      case 'BundleSessionConsumed':
        // Extended in place, like the calendar's sessions: one entry per session ever consumed.
        state.consumed[event.data.sessionId] = event.data.bundleId;
        return { ...state, bundles: state.bundles.map((b) => (b.bundleId === event.data.bundleId ? { ...b, used: b.used + 1 } : b)) };
      default:
        return state;
    }
  },
};

function existingBundle(state: ProgramsState, bundleId: string): BundleState {
  const bundle = state.bundles.find((b) => b.bundleId === bundleId);
  if (!bundle) throw SchedulingErrors.programNotFound();
  return bundle;
}
