import { defineErrors } from '@clientele/platform/core';

/** The errors billing answers with, beside the common ones (not found, validation). */
export const BillingErrors = defineErrors({
  /** Checkout of an archived product. */
  productNotSold: { code: 'product_archived', kind: 'conflict', sentence: 'This product is no longer sold.' },
  /** A change to an archived product. */
  productArchived: { code: 'product_archived', kind: 'conflict', sentence: 'This product is archived; it can no longer be changed.' },
});
