export * from './payment-provider';
export * from './payments.tokens';
export * from './stripe-connection';
export * from './stripe-payment-providers';
export * from './stripe-provider';
export * from './stripe-webhook';
