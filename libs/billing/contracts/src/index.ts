import type { ClientType, Money } from '@clientele/platform/core';

export * from './errors';
export type { Money };

/** What other services (and the gateway) may know of billing. */
export const BillingSubjects = {
  createProduct: 'billing.cmd.create-product',
  updateProduct: 'billing.cmd.update-product',
  archiveProduct: 'billing.cmd.archive-product',
  checkout: 'billing.cmd.checkout',
  listProducts: 'billing.query.list-products',
  getProduct: 'billing.query.get-product',
  /** Public: what the checkout page shows of a product (no account, no actor). */
  getPublicProduct: 'billing.query.get-public-product',
  /** Internal: the buyer of a purchase (personal data stays out of the integration events). */
  getBuyer: 'billing.query.get-buyer',
  /** Internal: a purchase's product, without its buyer (the checkout page's status asks whether it exists). */
  getPurchase: 'billing.query.get-purchase',
  health: 'billing.query.health',
  /** Admin: connects the account's own Stripe account (its keys are sealed, never answered). */
  connectStripe: 'billing.cmd.connect-stripe',
  disconnectStripe: 'billing.cmd.disconnect-stripe',
  /** Staff: whether and how the account takes payments (never its keys). */
  paymentsSettings: 'billing.query.payments-settings',
  /** Internal (the webhook): records what the payment provider says of a purchase; answers once it is durable. */
  recordProviderEvent: 'billing.cmd.record-provider-event',
  /** Staff with manage_products: refunds (part of) a purchase through its payment provider. */
  refundPurchase: 'billing.cmd.refund-purchase',
} as const;

export const BillingEvents = {
  /** A purchase was paid: the clients service enrols the buyer. */
  purchaseCompleted: 'billing.purchase.completed.v1',
  /** Money went back to the buyer (Finances shows it); the enrolment stays. */
  purchaseRefunded: 'billing.purchase.refunded.v1',
} as const;

/**
 * A product that is a session pack gives each buyer a bundle of `sessions` sessions (scheduling's
 * programs). One definition for billing's domain, its contracts and the events that carry it on.
 */
export interface SessionPack {
  sessions: number;
  /** Days the bundle stays valid after the purchase; null: no expiry. */
  validForDays: number | null;
}

export interface Product {
  id: string;
  name: string;
  price: Money;
  clientType: ClientType;
  sessionPack: SessionPack | null;
  archived: boolean;
  createdAt: string;
}

export interface CheckoutRequest {
  productId: string;
  buyer: { firstName: string; lastName: string; email: string; phone?: string };
}

/**
 * What checkout answers: `completed` (paid at once, the buyer is being enrolled), or
 * `pending_payment` with the provider's `paymentUrl` the buyer pays at (the enrolment follows the
 * provider's word that it is paid). A repeated Idempotency-Key answers the same; once the provider
 * said the payment was not made (expired, failed), `not_completed`: a new purchase needs a new key.
 */
export interface CheckoutResult {
  purchaseId: string;
  productId: string;
  status: 'completed' | 'pending_payment' | 'not_completed';
  /** Only with `pending_payment`: where the buyer pays (Stripe Checkout). */
  paymentUrl?: string;
}

/**
 * What became of the buyer, so that the checkout page says what actually happens next:
 * - `enrolled`: a new client with a seat; a product of an app type sends them an invitation now;
 * - `waiting_for_seat`: a new client on the waiting list; the invitation comes when a seat frees up;
 * - `already_client`: the buyer was a client already; the purchase is on their profile;
 * - `in_progress`: not decided yet when the answer was given (the enrolment runs after the payment);
 *   ask `GET /api/v1/checkout/purchases/:purchaseId` again.
 * Once decided it never changes: it says what happened at the purchase (a waiting buyer who got a
 * seat later still reads `waiting_for_seat`), so a repeated Idempotency-Key answers the same.
 */
export type CheckoutEnrolment = 'enrolled' | 'waiting_for_seat' | 'already_client' | 'in_progress';

/** POST /api/v1/checkout's answer: the purchase (`status` kept for compatibility) and what became of the buyer. */
export interface CheckoutAnswer extends CheckoutResult {
  enrolment: CheckoutEnrolment;
}

/**
 * The one question checkout asks back of the service that enrols its buyers (the clients service
 * answers it; its enrolment saga is what decides). Named with checkout's contract, as the answer is
 * checkout's `enrolment`. Internal: no actor.
 */
export const CheckoutEnrolmentSubjects = {
  getPurchaseEnrolment: 'clients.query.get-purchase-enrolment',
} as const;

/** `clients.query.get-purchase-enrolment`'s answer: null until the enrolment saga has decided. */
export interface PurchaseEnrolmentView {
  purchaseId: string;
  enrolment: Exclude<CheckoutEnrolment, 'in_progress'> | null;
}

/**
 * Where a purchase stands: waiting for the buyer to pay at the provider, paid, never paid (expired
 * or failed), or paid and then refunded in part or in full.
 */
export type PurchaseStatus = 'pending_payment' | 'completed' | 'not_completed' | 'refunded' | 'partially_refunded';

/** billing.query.get-purchase: a purchase without its buyer. */
export interface PurchaseView {
  purchaseId: string;
  productId: string;
  accountId: string;
  status: PurchaseStatus;
  /** What the buyer pays (or paid). */
  amount: Money;
  /** What went back to the buyer so far (zero in the purchase's currency when nothing). */
  refundedTotal: Money;
  /** When money last went back; absent when none did. */
  refundedAt?: string;
  /** Only while `pending_payment`: where the buyer pays. */
  paymentUrl?: string;
}

/**
 * What the payment provider's webhook said of a purchase, once its signature was verified (the
 * data of billing.cmd.record-provider-event). `eventId` is the provider's own event id: the same
 * event delivered again records nothing more. `amountRefunded` is cumulative (Stripe's
 * `charge.amount_refunded`): billing records the increase since what it knows.
 */
export type ProviderEvent =
  | { type: 'checkout_completed'; eventId: string; purchaseId: string; accountId: string; providerSessionId: string; paymentIntentId: string | null }
  | { type: 'checkout_not_completed'; eventId: string; purchaseId: string; accountId: string; reason: 'expired' | 'payment_failed' }
  | { type: 'refunded'; eventId: string; purchaseId: string; accountId: string; amountRefunded: Money; providerRefundId: string | null }
  | { type: 'ignored'; eventId: string };

/** billing.cmd.record-provider-event's answer, given once what it records is durable. */
export interface RecordProviderEventResult {
  eventId: string;
  /** Whether this delivery recorded something (false for a duplicate, an ignored type, or news the purchase already reflects). */
  recorded: boolean;
}

/** billing.cmd.refund-purchase's data: `amount` defaults to what is left of the payment. */
export interface RefundPurchaseRequest {
  purchaseId: string;
  amount?: Money;
}

/**
 * billing.cmd.refund-purchase's answer. `requested`: the provider was asked (the refund shows once
 * its webhook confirms it); `refunded`: recorded at once (a purchase paid without a provider).
 */
export interface RefundPurchaseResult {
  purchaseId: string;
  amount: Money;
  status: 'requested' | 'refunded';
}

export interface PurchaseCompletedEventData {
  purchaseId: string;
  productId: string;
  accountId: string;
  clientType: ClientType;
  amount: Money;
  /** The product's name and session pack as sold (a pack becomes the buyer's bundle). */
  productName: string;
  sessionPack: SessionPack | null;
  purchasedAt: string;
}

/**
 * Money went back to a buyer. `amount` is this refund, `refundedTotal` all refunds of the purchase
 * so far. It may come before the purchase's completed event (a provider's events arrive in any
 * order): consumers keep it until they know the purchase.
 */
export interface PurchaseRefundedEventData {
  purchaseId: string;
  accountId: string;
  amount: Money;
  refundedTotal: Money;
  refundedAt: string;
}

/** The billing service's integration events: subject to data. */
export type BillingIntegrationEvents = {
  [BillingEvents.purchaseCompleted]: PurchaseCompletedEventData;
  [BillingEvents.purchaseRefunded]: PurchaseRefundedEventData;
};

export interface BuyerView {
  purchaseId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
}

/** What anyone with a checkout link may see of a product. */
export interface PublicProduct {
  id: string;
  name: string;
  price: Money;
  clientType: ClientType;
  sessionPack: SessionPack | null;
  /** Archived products can no longer be bought. */
  archived: boolean;
  /** The business that sells it, named on the checkout page. */
  businessName: string;
}

/**
 * billing.query.get-public-product's answer: the gateway names the business from the account (an
 * identity's) and keeps the account id to itself.
 */
export type PublicProductOfAccount = Omit<PublicProduct, 'businessName'> & { accountId: string };

export * from './payments';
