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
}
