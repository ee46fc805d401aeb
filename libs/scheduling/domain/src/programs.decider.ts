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
 *
 * The stream also keeps what the client bought at checkout that is not a bundle (a product
 * payment), so that Finances shows every payment of the client's. Money that went back on a
 * purchase (a bundle's or a product's) is `PurchaseRefundRecorded`: billing's cumulative total,
 * recorded when it grows, so the refund events may come in any order and any number of times.
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
  | {
      type: 'ProductPaymentRecorded';
      data: { purchaseId: string; clientId: string; accountId: string; productId: string; productName: string; amount: Money; paidAt: string };
    }
  | {
      type: 'PurchaseRefundRecorded';
      data: {
        purchaseId: string;
        clientId: string;
        accountId: string;
        /** The bundle the purchase gave (a session pack); null for a product payment. */
        bundleId: string | null;
        /** What went back this time. */
        amount: Money;
        /** Every refund of the purchase so far, this one included. */
        refundedTotal: Money;
        refundedAt: string;
      };
    }
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
  | { type: 'EraseClient'; clientId: string; accountId: string; metadata: { now: string } }
  /** A purchase of a product that is not a session pack, recorded on the client's profile (a pack is CreateBundle with `purchase`). */
  | {
      type: 'RecordProductPayment';
      purchaseId: string;
      clientId: string;
      accountId: string;
      productId: string;
      productName: string;
      amount: Money;
      paidAt: string;
      metadata: { now: string };
    }
  /** Billing says this much went back on the purchase in all (cumulative). */
  | { type: 'RecordPurchaseRefund'; purchaseId: string; clientId: string; accountId: string; refundedTotal: Money; refundedAt: string; metadata: { now: string } };

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
  /** The checkout that sold it (a session pack): its money goes back through that purchase. */
  purchaseId?: string | null;
}

/** A purchase the client made at checkout, as this stream knows it. */
export interface PurchasePayment {
  /** The bundle it gave (a session pack), or null (a product payment). */
  bundleId: string | null;
  amount: Money;
  /** What went back so far, in the purchase's currency. */
  refunded: number;
}

export interface ProgramsState {
  bundles: BundleState[];
  /** sessionId -> the bundle it was taken from */
  consumed: Record<string, string>;
  erased?: boolean;
  /** purchaseId -> what was paid and refunded (absent in states from before purchases were kept). */
  purchases?: Record<string, PurchasePayment>;
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
  if (bundle.purchaseId) throw SchedulingErrors.boughtAtCheckout();
  const { bundleId, clientId, accountId } = bundle;
  return [{ type: 'BundlePaymentRefunded', data: { bundleId, clientId, accountId, amount: bundle.payment.amount, paidAt: bundle.payment.paidAt, refundedAt: command.metadata.now } }];
};

export const recordProductPayment = (command: ProgramsCommandOf<'RecordProductPayment'>, state: ProgramsState): ProgramsEvent[] => {
  // Once per purchase, whatever redelivers it; a free product has nothing to show in Finances.
  if (state.purchases?.[command.purchaseId] || command.amount.amount <= 0) return [];
  const { purchaseId, clientId, accountId, productId, productName, amount, paidAt } = command;
  return [{ type: 'ProductPaymentRecorded', data: { purchaseId, clientId, accountId, productId, productName, amount, paidAt } }];
};

export const recordPurchaseRefund = (command: ProgramsCommandOf<'RecordPurchaseRefund'>, state: ProgramsState): ProgramsEvent[] => {
  const purchase = state.purchases?.[command.purchaseId];
  // Not a purchase of this client's (yet): the purchase, once recorded, asks billing what went back.
  if (!purchase) return [];
  // Old news (a redelivery, or a later total seen first), or another currency than the one paid.
  if (command.refundedTotal.currency !== purchase.amount.currency || command.refundedTotal.amount <= purchase.refunded) return [];
  const { clientId, accountId } = command;
  const refundedTotal = { amount: Math.min(command.refundedTotal.amount, purchase.amount.amount), currency: purchase.amount.currency };
  if (refundedTotal.amount <= purchase.refunded) return [];
  return [
    {
      type: 'PurchaseRefundRecorded',
      data: {
        purchaseId: command.purchaseId,
        clientId,
        accountId,
        bundleId: purchase.bundleId,
        amount: { amount: refundedTotal.amount - purchase.refunded, currency: refundedTotal.currency },
        refundedTotal,
        refundedAt: command.refundedAt,
      },
    },
  ];
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
      case 'RecordProductPayment':
        return recordProductPayment(command, state);
      case 'RecordPurchaseRefund':
        return recordPurchaseRefund(command, state);
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
        const purchaseId = event.data.purchaseId ?? null;
        const bundles = [...state.bundles, { bundleId, clientId, accountId, sessions, used: 0, price, expiresAt, createdAt, payment: null, purchaseId }];
        if (!purchaseId) return { ...state, bundles };
        return { ...state, bundles, purchases: { ...state.purchases, [purchaseId]: { bundleId, amount: price, refunded: 0 } } };
      }
      case 'ProductPaymentRecorded': {
        const { purchaseId, amount } = event.data;
        return { ...state, purchases: { ...state.purchases, [purchaseId]: { bundleId: null, amount, refunded: 0 } } };
      }
      case 'PurchaseRefundRecorded': {
        const { purchaseId, bundleId, refundedTotal } = event.data;
        const purchase = state.purchases?.[purchaseId];
        if (!purchase) return state;
        const whole = refundedTotal.amount >= purchase.amount.amount;
        return {
          ...state,
          purchases: { ...state.purchases, [purchaseId]: { ...purchase, refunded: refundedTotal.amount } },
          bundles: whole && bundleId ? state.bundles.map((b) => (b.bundleId === bundleId && b.payment ? { ...b, payment: { ...b.payment, status: 'refunded' } } : b)) : state.bundles,
        };
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
