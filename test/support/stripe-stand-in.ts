/**
 * The Stripe API stand-in and the signed webhook builders for whole-system tests: they live beside
 * the Stripe adapter, whose own specs use them too (libs/billing/service/src/payments/testing).
 */
export * from '../../libs/billing/service/src/payments/testing/stripe-stand-in';
