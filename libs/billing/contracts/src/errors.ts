import { defineErrors } from '@clientele/platform/core';

/** The errors billing answers with, beside the common ones (not found, validation). */
export const BillingErrors = defineErrors({
  /** Checkout of an archived product. */
  productNotSold: { code: 'product_archived', kind: 'conflict', sentence: 'This product is no longer sold.' },
  /** A change to an archived product. */
  productArchived: { code: 'product_archived', kind: 'conflict', sentence: 'This product is archived; it can no longer be changed.' },
  /** Checkout where payments must be real (production) for an account that connected no payment provider. */
  paymentsNotConfigured: {
    code: 'payments_not_configured',
    kind: 'conflict',
    sentence: 'This business cannot take payments yet: its administrator connects Stripe in Settings.',
  },
  /** A refund of a purchase the buyer has not paid (waiting for the payment, expired or failed). */
  purchaseNotPaid: {
    code: 'purchase_not_paid',
    kind: 'conflict',
    sentence: 'This purchase was not paid, so there is nothing to refund.',
  },
  /** A refund of a purchase whose payment already went back in full. */
  purchaseRefunded: {
    code: 'purchase_refunded',
    kind: 'conflict',
    sentence: 'This purchase is already refunded in full.',
  },
  /** A refund of more than what is left of the payment. */
  refundTooLarge: {
    code: 'refund_too_large',
    kind: 'conflict',
    sentence: (left: string) => `A refund can be at most what is left of the payment: ${left}. Refund that much or less.`,
  },
  /** A paid purchase whose provider gave no payment to refund (nothing to send the refund to). */
  refundUnavailable: {
    code: 'refund_unavailable',
    kind: 'conflict',
    sentence: 'The payment provider gave no payment for this purchase, so it cannot be refunded from Clientele; refund it in the Stripe dashboard.',
  },
});
