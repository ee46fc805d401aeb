import Stripe from 'stripe';
import { WebhookSignatureError, claimedAccount, readStripeEvent } from './stripe-webhook';
import { chargeRefundedEvent, checkoutSessionEvent, signedWebhook, stripeEvent } from './testing/stripe-stand-in';

/** The webhook reader on payloads signed with the real `stripe.webhooks.generateTestHeaderString`. */
const secret = 'whsec_test_secret_of_account_a1';
const purchase = { purchaseId: 'p-1', accountId: 'a1', productId: 'prod-1' };

const refusal = (run: () => unknown): WebhookSignatureError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookSignatureError);
    expect(error).toMatchObject({ code: 'invalid_signature' });
    return error as WebhookSignatureError;
  }
  throw new Error('expected the webhook to be refused');
};

describe('readStripeEvent: the signature', () => {
  it('reads a signed event, from a string or from the raw bytes', () => {
    const { body, signature } = signedWebhook(checkoutSessionEvent('checkout.session.completed', { ...purchase, sessionId: 'cs_test_1', paymentIntentId: 'pi_1' }, { id: 'evt_1' }), secret);

    const expected = { type: 'checkout_completed', eventId: 'evt_1', purchaseId: 'p-1', accountId: 'a1', providerSessionId: 'cs_test_1', paymentIntentId: 'pi_1' };
    expect(readStripeEvent(body, signature, secret)).toEqual(expected);
    expect(readStripeEvent(Buffer.from(body, 'utf8'), signature, secret)).toEqual(expected);
  });

  it('refuses an unsigned request', () => {
    const { body } = signedWebhook(checkoutSessionEvent('checkout.session.completed', purchase), secret);
    expect(refusal(() => readStripeEvent(body, undefined, secret)).detail).toContain('no Stripe-Signature header');
    refusal(() => readStripeEvent(body, '', secret));
  });

  it('refuses a tampered body, a signature of another secret, and a header that is not a signature', () => {
    const { body, signature } = signedWebhook(chargeRefundedEvent({ ...purchase, amountRefunded: 1000 }), secret);

    const tampered = body.replace('"amount_refunded": 1000', '"amount_refunded": 50000');
    expect(tampered).not.toBe(body);
    expect(refusal(() => readStripeEvent(tampered, signature, secret)).detail).toContain('does not match');
    refusal(() => readStripeEvent(body, signedWebhook(JSON.parse(body), 'whsec_someone_elses').signature, secret));
    refusal(() => readStripeEvent(body, 'v1=abc', secret));
  });

  it('refuses a replayed old signature (beyond five minutes), and takes one within them', () => {
    const signedAt = Math.floor(Date.now() / 1000) - 3600;
    const { body, signature } = signedWebhook(checkoutSessionEvent('checkout.session.expired', purchase), secret, signedAt);

    expect(refusal(() => readStripeEvent(body, signature, secret)).detail).toContain('older than five minutes');
    expect(readStripeEvent(body, signature, secret, signedAt + 299)).toMatchObject({ type: 'checkout_not_completed' });
    refusal(() => readStripeEvent(body, signature, secret, signedAt + 301));
  });
});

describe('readStripeEvent: what each event means', () => {
  const read = (event: Record<string, unknown>) => {
    const { body, signature } = signedWebhook(event, secret);
    return readStripeEvent(body, signature, secret);
  };

  it('checkout.session.completed, paid: the purchase is paid, with its payment intent', () => {
    expect(read(checkoutSessionEvent('checkout.session.completed', { ...purchase, sessionId: 'cs_2', paymentIntentId: 'pi_2' }, { id: 'evt_2' }))).toEqual({
      type: 'checkout_completed',
      eventId: 'evt_2',
      purchaseId: 'p-1',
      accountId: 'a1',
      providerSessionId: 'cs_2',
      paymentIntentId: 'pi_2',
    });
    // An expanded payment intent, or none (a free session), both read.
    const expanded = checkoutSessionEvent('checkout.session.completed', { ...purchase, sessionId: 'cs_3' });
    ((expanded.data as { object: Record<string, unknown> }).object).payment_intent = { id: 'pi_3', object: 'payment_intent' };
    expect(read(expanded)).toMatchObject({ paymentIntentId: 'pi_3' });
    expect(read(checkoutSessionEvent('checkout.session.completed', { ...purchase, paymentIntentId: null, paymentStatus: 'no_payment_required' }))).toMatchObject({
      type: 'checkout_completed',
      paymentIntentId: null,
    });
  });

  it('checkout.session.completed, unpaid (a delayed payment method): nothing yet; async_payment_succeeded pays it', () => {
    expect(read(checkoutSessionEvent('checkout.session.completed', { ...purchase, paymentStatus: 'unpaid' }, { id: 'evt_4' }))).toEqual({ type: 'ignored', eventId: 'evt_4' });
    expect(read(checkoutSessionEvent('checkout.session.async_payment_succeeded', { ...purchase, sessionId: 'cs_5', paymentIntentId: 'pi_5' }, { id: 'evt_5' }))).toEqual({
      type: 'checkout_completed',
      eventId: 'evt_5',
      purchaseId: 'p-1',
      accountId: 'a1',
      providerSessionId: 'cs_5',
      paymentIntentId: 'pi_5',
    });
  });

  it('checkout.session.expired and async_payment_failed: not completed, with the reason', () => {
    expect(read(checkoutSessionEvent('checkout.session.expired', purchase, { id: 'evt_6' }))).toEqual({
      type: 'checkout_not_completed',
      eventId: 'evt_6',
      purchaseId: 'p-1',
      accountId: 'a1',
      reason: 'expired',
    });
    expect(read(checkoutSessionEvent('checkout.session.async_payment_failed', purchase, { id: 'evt_7' }))).toEqual({
      type: 'checkout_not_completed',
      eventId: 'evt_7',
      purchaseId: 'p-1',
      accountId: 'a1',
      reason: 'payment_failed',
    });
  });

  it('charge.refunded: the cumulative amount refunded, in the purchase’s currency, with the latest refund', () => {
    expect(read(chargeRefundedEvent({ ...purchase, amountRefunded: 2000, currency: 'eur', refundId: 're_8' }, { id: 'evt_8' }))).toEqual({
      type: 'refunded',
      eventId: 'evt_8',
      purchaseId: 'p-1',
      accountId: 'a1',
      amountRefunded: { amount: 2000, currency: 'EUR' },
      providerRefundId: 're_8',
    });
    expect(read(chargeRefundedEvent({ ...purchase, amountRefunded: 50000 }))).toMatchObject({ type: 'refunded', amountRefunded: { amount: 50000 }, providerRefundId: null });
  });

  it('ignores what is not a purchase of ours: no metadata, other event types, a declined card on the Checkout page', () => {
    expect(read(stripeEvent('checkout.session.completed', { id: 'cs_x', object: 'checkout.session', metadata: {}, payment_status: 'paid', client_reference_id: null }, { id: 'evt_9' }))).toEqual({
      type: 'ignored',
      eventId: 'evt_9',
    });
    expect(read(stripeEvent('charge.refunded', { id: 'ch_x', object: 'charge', metadata: {}, amount_refunded: 5, currency: 'eur' }, { id: 'evt_10' }))).toEqual({ type: 'ignored', eventId: 'evt_10' });
    expect(read(stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }, { id: 'evt_11' }))).toEqual({ type: 'ignored', eventId: 'evt_11' });
    // The buyer may try another card on the same page: the session's expiry or async failure ends the purchase, not this.
    expect(read(stripeEvent('payment_intent.payment_failed', { id: 'pi_x', object: 'payment_intent', metadata: { purchaseId: 'p-1', accountId: 'a1' } }, { id: 'evt_12' }))).toEqual({
      type: 'ignored',
      eventId: 'evt_12',
    });
  });
});

describe('claimedAccount', () => {
  it('reads the account a payload names, before verification, and null for anything else', () => {
    expect(claimedAccount(JSON.stringify(checkoutSessionEvent('checkout.session.completed', purchase)))).toBe('a1');
    expect(claimedAccount(Buffer.from(JSON.stringify(chargeRefundedEvent({ ...purchase, accountId: 'a2', amountRefunded: 1 }))))).toBe('a2');
    expect(claimedAccount('not json')).toBeNull();
    expect(claimedAccount(JSON.stringify({ data: { object: { metadata: { accountId: 42 } } } }))).toBeNull();
    expect(claimedAccount(JSON.stringify(stripeEvent('customer.created', { id: 'cus_1' })))).toBeNull();
    expect(claimedAccount('null')).toBeNull();
  });
});

it('signs with the real Stripe helper: what the reader verifies is what Stripe would send', () => {
  const { body, signature } = signedWebhook(stripeEvent('customer.created', { id: 'cus_1' }, { id: 'evt_13' }), secret);
  expect(Stripe.webhooks.constructEvent(body, signature, secret)).toMatchObject({ id: 'evt_13' });
  expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
});
