import { JsonLogger } from '@clientele/platform/logging';
import { StripeStandIn } from './testing/stripe-stand-in';
import { CheckoutStart } from './payment-provider';
import { STRIPE_API_VERSION, StripeProvider, stripeAddress } from './stripe-provider';

/**
 * The Stripe adapter with the official client against a local stand-in of Stripe's API (as the
 * SendGrid adapter is tested): the exact requests, idempotency keys included, and what each kind
 * of failure becomes.
 */
let stripe: StripeStandIn;
const lines: string[] = [];
const logger = new JsonLogger('debug', { write: (line) => lines.push(line) });
const secretKey = 'sk_test_51Abcdefghijklmnop4242';

beforeAll(async () => (stripe = await StripeStandIn.start()));
afterAll(() => stripe.close());
beforeEach(() => {
  stripe.clearRequests();
  stripe.rejectKeys(false);
  lines.length = 0;
});

const provider = (key = secretKey) => new StripeProvider(key, { accountId: 'a1', apiUrl: stripe.url, logger, timeoutMs: 5000 });

const start = (purchaseId = 'p-1'): CheckoutStart => ({
  purchaseId,
  accountId: 'a1',
  productId: 'prod-1',
  productName: 'Ten sessions',
  amount: { amount: 50000, currency: 'EUR' },
  buyerEmail: 'mo@example.com',
  successUrl: `https://clientele.example/checkout/prod-1?purchase=${purchaseId}`,
  cancelUrl: `https://clientele.example/checkout/prod-1?purchase=${purchaseId}&cancelled=1`,
});

describe('StripeProvider.start', () => {
  it('creates a Checkout Session with the price, the buyer, the purchase in its and its payment’s metadata, and our idempotency key', async () => {
    const opening = await provider().start(start('p-1'));

    expect(opening).toEqual({ kind: 'redirect', providerSessionId: expect.stringMatching(/^cs_test_/), paymentUrl: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/) });
    expect(stripe.requests).toHaveLength(1);
    const [request] = stripe.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/checkout/sessions');
    expect(request.authorization).toBe(`Bearer ${secretKey}`);
    expect(request.idempotencyKey).toBe('clientele-checkout-p-1');
    expect(request.headers['stripe-version']).toBe(STRIPE_API_VERSION);
    expect(request.body).toEqual({
      mode: 'payment',
      line_items: [{ quantity: '1', price_data: { currency: 'eur', unit_amount: '50000', product_data: { name: 'Ten sessions' } } }],
      customer_email: 'mo@example.com',
      client_reference_id: 'p-1',
      metadata: { purchaseId: 'p-1', accountId: 'a1', productId: 'prod-1' },
      payment_intent_data: { metadata: { purchaseId: 'p-1', accountId: 'a1', productId: 'prod-1' } },
      success_url: 'https://clientele.example/checkout/prod-1?purchase=p-1',
      cancel_url: 'https://clientele.example/checkout/prod-1?purchase=p-1&cancelled=1',
    });
    expect(stripe.sessions.get(opening.kind === 'redirect' ? opening.providerSessionId : '')).toMatchObject({ amount_total: 50000, currency: 'eur' });
  });

  it('opens the same session when the same purchase starts again: Stripe replays the idempotent request', async () => {
    const first = await provider().start(start('p-2'));
    const again = await provider().start(start('p-2'));

    expect(again).toEqual(first);
    expect(stripe.requests.map((r) => r.idempotencyKey)).toEqual(['clientele-checkout-p-2', 'clientele-checkout-p-2']);
    expect(stripe.sessions.size).toBeGreaterThanOrEqual(1);
    expect([...stripe.sessions.values()].filter((s) => s.client_reference_id === 'p-2')).toHaveLength(1);
  });

  it('retries a 500 with the same idempotency key (maxNetworkRetries), and opens one session', async () => {
    stripe.failNext(500);
    const opening = await provider().start(start('p-3'));

    expect(opening.kind).toBe('redirect');
    expect(stripe.requests.map((r) => [r.path, r.idempotencyKey])).toEqual([
      ['/v1/checkout/sessions', 'clientele-checkout-p-3'],
      ['/v1/checkout/sessions', 'clientele-checkout-p-3'],
    ]);
  });

  it('says a rejected key is the business’s to fix (payments_not_configured), and never logs the key', async () => {
    stripe.rejectKeys();
    const refused = provider().start(start('p-4'));

    await expect(refused).rejects.toMatchObject({ code: 'payments_not_configured', detail: expect.stringContaining('connects Stripe again in Settings') });
    expect(lines.join('\n')).toContain('StripeAuthenticationError');
    expect(lines.join('\n')).not.toContain(secretKey);
    expect(lines.join('\n')).not.toContain(secretKey.slice(8));
  });

  it('answers unavailable when Stripe keeps failing (5xx after the retries), and when nothing answers', async () => {
    stripe.failNext(500, 502, 503);
    await expect(provider().start(start('p-5'))).rejects.toMatchObject({ code: 'unavailable' });
    expect(stripe.requests).toHaveLength(3);

    const unreachable = new StripeProvider(secretKey, { accountId: 'a1', apiUrl: 'http://127.0.0.1:1', maxNetworkRetries: 0, timeoutMs: 2000 });
    await expect(unreachable.start(start('p-6'))).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('says when our idempotency key meets other parameters (the product changed since the first try): idempotency_key_reused', async () => {
    await provider().start(start('p-7'));
    await expect(provider().start({ ...start('p-7'), amount: { amount: 100, currency: 'EUR' } })).rejects.toMatchObject({
      code: 'idempotency_key_reused',
      detail: expect.stringContaining('changed since it was first sent'),
    });
  });

  it('says what Stripe refused in a request (payment_refused), with Stripe’s reason', async () => {
    await expect(provider().refund({ purchaseId: 'p-7', paymentIntentId: '', amount: { amount: 100, currency: 'EUR' }, idempotencyKey: 'k-7' })).rejects.toMatchObject({
      code: 'payment_refused',
      detail: expect.stringContaining('payment_intent or charge'),
    });
  });
});

describe('StripeProvider.refund', () => {
  it('refunds the payment intent with the amount, the purchase in the metadata and the given idempotency key, once for a retry', async () => {
    const refund = { purchaseId: 'p-8', paymentIntentId: 'pi_test_123', amount: { amount: 2000, currency: 'EUR' }, idempotencyKey: 'clientele-refund-p-8-1' };
    const first = await provider().refund(refund);
    const again = await provider().refund(refund);

    expect(first).toEqual({ providerRefundId: expect.stringMatching(/^re_test_/) });
    expect(again).toEqual(first);
    expect(stripe.requests).toHaveLength(2);
    const [request] = stripe.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/refunds', authorization: `Bearer ${secretKey}`, idempotencyKey: 'clientele-refund-p-8-1' });
    expect(request.body).toEqual({ payment_intent: 'pi_test_123', amount: '2000', metadata: { purchaseId: 'p-8', accountId: 'a1' } });
  });

  it('maps a rejected key and an outage as for checkouts', async () => {
    stripe.rejectKeys();
    await expect(provider().refund({ purchaseId: 'p-9', paymentIntentId: 'pi_1', amount: { amount: 1, currency: 'EUR' }, idempotencyKey: 'k-9' })).rejects.toMatchObject({
      code: 'payments_not_configured',
    });
    stripe.rejectKeys(false);
    stripe.failNext(500, 500, 500);
    await expect(provider().refund({ purchaseId: 'p-9', paymentIntentId: 'pi_1', amount: { amount: 1, currency: 'EUR' }, idempotencyKey: 'k-10' })).rejects.toMatchObject({
      code: 'unavailable',
    });
  });
});

describe('stripeAddress (STRIPE_API_URL)', () => {
  it('turns the URL into the client’s host, port and protocol, and leaves Stripe’s own when unset', () => {
    expect(stripeAddress(undefined)).toEqual({});
    expect(stripeAddress('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(stripeAddress('https://stripe-proxy.internal')).toEqual({ host: 'stripe-proxy.internal', port: 443, protocol: 'https' });
    expect(stripeAddress('http://[::1]:8080')).toEqual({ host: '::1', port: 8080, protocol: 'http' });
  });
});
