import { BillingErrors, type SessionPack } from '@clientele/billing/contracts';
import { AppError, ClientType, Decider, ErrorCodes, type Money } from '@clientele/platform/core';
import type { ProductState } from './product.decider';

export interface Buyer {
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
}

/**
 * One checkout (`purchase-<id>`, the id derived from its Idempotency-Key). The same key with the
 * same request answers the same purchase and records nothing more; with another request it is
 * refused. Payment is captured before this is recorded (a port; for now it completes at once).
 */
export type PurchaseEvent = {
  type: 'ProductPurchased';
  data: {
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
    purchasedAt: string;
  };
};

export type PurchaseCommand = {
  type: 'Checkout';
  purchaseId: string;
  product: ProductState;
  buyer: Buyer;
  requestHash: string;
  metadata: { now: string };
};

export type PurchaseState = { status: 'none' } | { status: 'purchased'; requestHash: string; productId: string };

export const checkout = (command: PurchaseCommand, state: PurchaseState): PurchaseEvent[] => {
  if (state.status === 'purchased') {
    if (state.requestHash === command.requestHash) return [];
    throw new AppError(ErrorCodes.idempotencyKeyReused, 'This Idempotency-Key was used for another checkout; use a new key for a new purchase.');
  }
  const { product } = command;
  if (product.status === 'none') throw new AppError(ErrorCodes.notFound, 'No product with this id.');
  if (product.status === 'archived') throw BillingErrors.productNotSold();
  return [
    {
      type: 'ProductPurchased',
      data: {
        purchaseId: command.purchaseId,
        productId: product.productId,
        accountId: product.accountId,
        productName: product.name,
        clientType: product.clientType,
        amount: product.price,
        sessionPack: product.sessionPack,
        buyer: command.buyer,
        requestHash: command.requestHash,
        purchasedAt: command.metadata.now,
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
      default: {
        const unknown: never = command.type;
        throw new Error(`Unknown purchase command: ${JSON.stringify(unknown)}`);
      }
    }
  },
  evolve: (state, event) =>
    event.type === 'ProductPurchased' ? { status: 'purchased', requestHash: event.data.requestHash, productId: event.data.productId } : state,
};
