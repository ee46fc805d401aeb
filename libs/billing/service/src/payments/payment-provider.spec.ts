import { CompletedImmediately, checkoutIdempotencyKey } from './payment-provider';

describe('CompletedImmediately (an account without Stripe, outside production)', () => {
  it('is paid at once', async () => {
    await expect(new CompletedImmediately().start()).resolves.toEqual({ kind: 'paid' });
  });

  it('refunds with a synthetic id, the same for the same idempotency key (a retry) and another for another refund', async () => {
    const provider = new CompletedImmediately();
    const first = await provider.refund({ idempotencyKey: 'clientele-refund-p1-1' });
    expect(first.providerRefundId).toMatch(/^immediate_re_[0-9a-f]{24}$/);
    await expect(provider.refund({ idempotencyKey: 'clientele-refund-p1-1' })).resolves.toEqual(first);
    await expect(provider.refund({ idempotencyKey: 'clientele-refund-p1-2' })).resolves.not.toEqual(first);
  });
});

it('names a checkout session’s idempotency key after its purchase', () => {
  expect(checkoutIdempotencyKey('p-1')).toBe('clientele-checkout-p-1');
});
