export * from './product.decider';
export * from './purchase.decider';

