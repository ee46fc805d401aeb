import { BillingErrors, type ProviderEvent, type SessionPack } from '@clientele/billing/contracts';
import { AppError, ClientType, Decider, ErrorCodes, type Money } from '@clientele/platform/core';
import type { ProductState } from './product.decider';

export interface Buyer {
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
}

/** What a purchase sells, to whom, for how much: fixed when the checkout starts. */
export interface PurchaseTerms {
  purchaseId: string;
  productId: string;
  accountId: string;
  productName: string;
  clientType: ClientType;
  amount: Money;
  /** The product's session pack at the time of purchase (absent before packs existed). */
  sessionPack?: SessionPack | null;
  buyer: Buyer;
  requestHash: string;
}

/**
 * One checkout (`purchase-<id>`, the id derived from its Idempotency-Key). The same key with the
 * same request answers the same purchase and records nothing more; with another request it is
 * refused.
 *
 * Paid at once (no provider): `ProductPurchased` alone. Through a provider (Stripe Checkout):
 * `CheckoutStarted` when the buyer is sent to pay, then what the provider's webhook says, in any
 * order and any number of times: `ProductPurchased` once paid, `PurchaseNotCompleted` when the
 * session expired or the payment failed before that, `PurchaseRefunded` for each increase of what
 * went back. A refund asked from Clientele is `RefundRequested`; its money shows as
 * `PurchaseRefunded` when the provider confirms it.
 */
export type PurchaseEvent =
  | {
      type: 'CheckoutStarted';
      data: PurchaseTerms & { provider: 'stripe'; providerSessionId: string; paymentUrl: string; startedAt: string };
    }
  | {
      type: 'ProductPurchased';
      data: PurchaseTerms & {
        purchasedAt: string;
        /** Absent for a purchase paid at once (no provider). */
        provider?: 'stripe';
        providerEventId?: string;
        paymentIntentId?: string | null;
      };
    }
  | { type: 'PurchaseNotCompleted'; data: { purchaseId: string; reason: 'expired' | 'payment_failed'; providerEventId: string; at: string } }
  | {
      type: 'PurchaseRefunded';
      data: {
        purchaseId: string;
        accountId: string;
        /** What went back in this refund. */
        amount: Money;
        /** Every refund of the purchase so far, this one included. */
        refundedTotal: Money;
        /** The provider's event; null for a refund of a purchase paid without a provider (recorded at once). */
        providerEventId: string | null;
        providerRefundId?: string | null;
        refundedAt: string;
      };
    }
  | { type: 'RefundRequested'; data: { purchaseId: string; amount: Money; requestedBy: string; at: string } };

export type PurchaseCommand =
  | {
      type: 'Checkout';
      purchaseId: string;
      product: ProductState;
      buyer: Buyer;
      requestHash: string;
      /** How the payment opens (the payment port's answer); absent: paid at once. */
      opening?: PaymentOpening;
      metadata: { now: string };
    }
  | { type: 'RecordProviderEvent'; event: Exclude<ProviderEvent, { type: 'ignored' }>; metadata: { now: string } }
  | { type: 'RequestRefund'; accountId: string; amount?: Money; metadata: { actorId: string; now: string } };

/** The payment port's answer to a checkout: paid at once, or the buyer pays at the provider's page. */
export type PaymentOpening = { kind: 'paid' } | { kind: 'redirect'; providerSessionId: string; paymentUrl: string };

export type PurchaseState =
  | { status: 'none' }
  | {
      status: 'pending_payment' | 'completed' | 'not_completed';
      terms: PurchaseTerms;
      provider: 'stripe' | null;
      paymentUrl: string | null;
      paymentIntentId: string | null;
      refundedTotal: Money;
      /** When money last went back (absent: none did). */
      refundedAt?: string;
      /** How many refunds were asked from Clientele (the provider's idempotency key counts them). */
      refundRequests: number;
    };

/** The provider's idempotency key of the n-th refund asked of a purchase (n from 1): a retry of that request sends the same key. */
export const refundIdempotencyKey = (purchaseId: string, n: number) => `clientele-refund-${purchaseId}-${n}`;

/** Where a purchase stands, as the checkout page and Finances say it. */
export function purchaseStatus(state: Exclude<PurchaseState, { status: 'none' }>): 'pending_payment' | 'completed' | 'not_completed' | 'refunded' | 'partially_refunded' {
  if (state.status !== 'completed' || state.refundedTotal.amount === 0) return state.status;
  return state.refundedTotal.amount >= state.terms.amount.amount ? 'refunded' : 'partially_refunded';
}

const notFound = () => new AppError(ErrorCodes.notFound, 'No purchase with this id.');

export const checkout = (command: Extract<PurchaseCommand, { type: 'Checkout' }>, state: PurchaseState): PurchaseEvent[] => {
  if (state.status !== 'none') {
    if (state.terms.requestHash === command.requestHash) return [];
    throw new AppError(ErrorCodes.idempotencyKeyReused, 'This Idempotency-Key was used for another checkout; use a new key for a new purchase.');
  }
  const { product } = command;
  if (product.status === 'none') throw new AppError(ErrorCodes.notFound, 'No product with this id.');
  if (product.status === 'archived') throw BillingErrors.productNotSold();
  const terms: PurchaseTerms = {
    purchaseId: command.purchaseId,
    productId: product.productId,
    accountId: product.accountId,
    productName: product.name,
    clientType: product.clientType,
    amount: product.price,
    sessionPack: product.sessionPack,
    buyer: command.buyer,
    requestHash: command.requestHash,
  };
  const opening = command.opening ?? { kind: 'paid' };
  if (opening.kind === 'redirect') {
    const { providerSessionId, paymentUrl } = opening;
    return [{ type: 'CheckoutStarted', data: { ...terms, provider: 'stripe', providerSessionId, paymentUrl, startedAt: command.metadata.now } }];
  }
  return [{ type: 'ProductPurchased', data: { ...terms, purchasedAt: command.metadata.now } }];
};

/**
 * What the provider said. Each provider event id is recorded once (the handler's command id), and
 * news the purchase already reflects records nothing: a completion of a paid purchase, a failure
 * after the payment, a refund total it already has. A refund before the completion is kept, and
 * the completion still records the purchase: whatever the order, the same events.
 */
export const recordProviderEvent = (command: Extract<PurchaseCommand, { type: 'RecordProviderEvent' }>, state: PurchaseState): PurchaseEvent[] => {
  const { event } = command;
  // Another account's purchase is none of this webhook's business: as unknown.
  if (state.status === 'none' || state.terms.accountId !== event.accountId) throw notFound();
  const now = command.metadata.now;
  switch (event.type) {
    case 'checkout_completed':
      if (state.status === 'completed') return [];
      return [
        {
          type: 'ProductPurchased',
          data: { ...state.terms, purchasedAt: now, provider: 'stripe', providerEventId: event.eventId, paymentIntentId: event.paymentIntentId },
        },
      ];
    case 'checkout_not_completed':
      if (state.status !== 'pending_payment') return [];
      return [{ type: 'PurchaseNotCompleted', data: { purchaseId: state.terms.purchaseId, reason: event.reason, providerEventId: event.eventId, at: now } }];
    case 'refunded': {
      const total = event.amountRefunded;
      if (total.currency !== state.terms.amount.currency || total.amount <= state.refundedTotal.amount) return [];
      return [
        {
          type: 'PurchaseRefunded',
          data: {
            purchaseId: state.terms.purchaseId,
            accountId: state.terms.accountId,
            amount: { amount: total.amount - state.refundedTotal.amount, currency: total.currency },
            refundedTotal: { ...total },
            providerEventId: event.eventId,
            providerRefundId: event.providerRefundId,
            refundedAt: now,
          },
        },
      ];
    }
    default: {
      const unknown: never = event;
      throw new Error(`Unknown provider event: ${JSON.stringify(unknown)}`);
    }
  }
};

/**
 * A refund from Clientele: only of a paid purchase, positive, at most what is left of it (what the
 * provider has not refunded yet). Through a provider it is a request, confirmed by its webhook; a
 * purchase paid without one is refunded at once.
 */
export const requestRefund = (command: Extract<PurchaseCommand, { type: 'RequestRefund' }>, state: PurchaseState): PurchaseEvent[] => {
  if (state.status === 'none' || state.terms.accountId !== command.accountId) throw notFound();
  if (state.status !== 'completed') throw BillingErrors.purchaseNotPaid();
  const paid = state.terms.amount;
  const left = paid.amount - state.refundedTotal.amount;
  if (left <= 0) throw BillingErrors.purchaseRefunded();
  const amount = command.amount ?? { amount: left, currency: paid.currency };
  if (!Number.isInteger(amount.amount) || amount.amount <= 0) {
    throw new AppError(ErrorCodes.validationFailed, 'The refund is not valid.', [{ field: 'amount.amount', message: 'must be a whole number of minor units above 0' }]);
  }
  if (amount.currency !== paid.currency) {
    throw new AppError(ErrorCodes.validationFailed, 'The refund is not valid.', [{ field: 'amount.currency', message: `must be ${paid.currency}, the currency of the payment` }]);
  }
  if (amount.amount > left) throw BillingErrors.refundTooLarge(`${left} (minor units of ${paid.currency})`);
  if (state.provider !== null && !state.paymentIntentId) throw BillingErrors.refundUnavailable();
  const { actorId, now } = command.metadata;
  const purchaseId = state.terms.purchaseId;
  const requested: PurchaseEvent = { type: 'RefundRequested', data: { purchaseId, amount: { ...amount }, requestedBy: actorId, at: now } };
  if (state.provider !== null) return [requested];
  return [
    requested,
    {
      type: 'PurchaseRefunded',
      data: {
        purchaseId,
        accountId: state.terms.accountId,
        amount: { ...amount },
        refundedTotal: { amount: state.refundedTotal.amount + amount.amount, currency: paid.currency },
        providerEventId: null,
        refundedAt: now,
      },
    },
  ];
};

export const purchaseDecider: Decider<PurchaseCommand, PurchaseState, PurchaseEvent> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    switch (command.type) {
      case 'Checkout':
        return checkout(command, state);
      case 'RecordProviderEvent':
        return recordProviderEvent(command, state);
      case 'RequestRefund':
        return requestRefund(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`Unknown purchase command: ${JSON.stringify(unknown)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'CheckoutStarted': {
        if (state.status !== 'none') return state;
        const { provider, providerSessionId: _session, paymentUrl, startedAt: _at, ...terms } = event.data;
        return { status: 'pending_payment', terms, provider, paymentUrl, paymentIntentId: null, refundedTotal: { amount: 0, currency: terms.amount.currency }, refundRequests: 0 };
      }
      case 'ProductPurchased': {
        const { purchasedAt: _at, provider, providerEventId: _event, paymentIntentId, ...terms } = event.data;
        if (state.status === 'none') {
          return { status: 'completed', terms, provider: provider ?? null, paymentUrl: null, paymentIntentId: paymentIntentId ?? null, refundedTotal: { amount: 0, currency: terms.amount.currency }, refundRequests: 0 };
        }
        return { ...state, status: 'completed', paymentIntentId: paymentIntentId ?? state.paymentIntentId };
      }
      case 'PurchaseNotCompleted':
        return state.status === 'pending_payment' ? { ...state, status: 'not_completed' } : state;
      case 'PurchaseRefunded':
        if (state.status === 'none' || event.data.refundedTotal.amount <= state.refundedTotal.amount) return state;
        return { ...state, refundedTotal: { ...event.data.refundedTotal }, refundedAt: event.data.refundedAt };
      case 'RefundRequested':
        return state.status === 'none' ? state : { ...state, refundRequests: state.refundRequests + 1 };
      default:
        return state;
    }
  },
};
