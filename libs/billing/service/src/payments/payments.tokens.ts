/** The injection token of the account's payment providers and Stripe connections (a StripePaymentProviders). */
export const STRIPE_PAYMENTS = Symbol('StripePayments');
