import type { PurchaseStatus } from '@clientele/billing/contracts';

/**
 * The payment's state as the checkout page reads it:
 * - `completed`: paid (at once without a payment provider, or Stripe said so); the buyer is enrolled;
 * - `pending_payment`: the buyer pays on Stripe's page (`paymentUrl`); nothing is enrolled yet;
 * - `not_completed`: the Stripe session expired or the payment failed; nothing was charged, nobody enrolled.
 */
export type CheckoutStatus = 'completed' | 'pending_payment' | 'not_completed';

/**
 * A purchase's status as the buyer's page says it. A refunded purchase was paid: it reads
 * `completed` here (the page is the buyer's receipt; the refund is the business's to tell).
 */
export function paymentStatusOf(purchase: { status?: PurchaseStatus | string }): CheckoutStatus {
  switch (purchase.status) {
    case 'pending_payment':
      return 'pending_payment';
    case 'not_completed':
      return 'not_completed';
    default:
      return 'completed';
  }
}
