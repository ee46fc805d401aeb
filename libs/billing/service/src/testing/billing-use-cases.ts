import { UseCaseHarness, staffActor, type GivenEvent } from '@clientele/platform/testing';
import type { BillingContext } from '../billing.context';
import { BILLING_CONTEXT } from '../billing.deps';
import { BillingModule } from '../billing.module';

/** The billing service alone on the embedded adapters, for its commands' use-case tests. */
export const startBilling = () =>
  UseCaseHarness.start({
    module: (adapters) => BillingModule.register(adapters),
    readModels: (app) => [app.get<BillingContext>(BILLING_CONTEXT).views],
  });

export const admin = staffActor('admin', 'u-admin', 'a1');
/** A coach without manage_products. */
export const coach = staffActor('coach', 'u-coach', 'a1');

/** A product of account a1 as the store holds it once created. */
export const productCreated = (productId = 'p1', overrides: Record<string, unknown> = {}): GivenEvent => ({
  type: 'ProductCreated',
  data: {
    productId,
    accountId: 'a1',
    name: 'Ten sessions',
    price: { amount: 50000, currency: 'EUR' },
    clientType: 'full_access',
    sessionPack: { sessions: 10, validForDays: 90 },
    createdAt: '2026-01-01T09:00:00.000Z',
    createdBy: 'u-admin',
    ...overrides,
  },
});

export const productArchived = (productId = 'p1'): GivenEvent => ({
  type: 'ProductArchived',
  data: { productId, accountId: 'a1', archivedAt: '2026-01-02T09:00:00.000Z', archivedBy: 'u-admin' },
});
