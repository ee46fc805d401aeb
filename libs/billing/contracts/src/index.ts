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
} as const;

export const BillingEvents = {
  /** A purchase was paid: the clients service enrols the buyer. */
  purchaseCompleted: 'billing.purchase.completed.v1',
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

export interface CheckoutResult {
  purchaseId: string;
  productId: string;
  status: 'completed';
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

/** billing.query.get-purchase: a purchase without its buyer. */
export interface PurchaseView {
  purchaseId: string;
  productId: string;
  accountId: string;
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

/** The billing service's integration events: subject to data. */
export type BillingIntegrationEvents = {
  [BillingEvents.purchaseCompleted]: PurchaseCompletedEventData;
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
