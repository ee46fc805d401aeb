import { BillingSubjects, type PaymentsSettings } from '@clientele/billing/contracts';
import { JsonLogger } from '@clientele/platform/logging';
import { UseCaseHarness, staffActor } from '@clientele/platform/testing';
import type Database from 'better-sqlite3';
import { CheckoutStart, CompletedImmediately } from './payment-provider';
import { PaymentsModule } from './payments.module';
import { StripePaymentProviders } from './stripe-payment-providers';
import { StripeProvider } from './stripe-provider';
import { openStripeDelivery } from './stripe-webhook';
import { StripeStandIn, chargeRefundedEvent, checkoutSessionEvent, signedWebhook } from './testing/stripe-stand-in';

/**
 * Each account's payment provider and Stripe connection, through billing's subjects on the real
 * embedded stores (UseCaseHarness) and the official client against the Stripe stand-in.
 */
let stripe: StripeStandIn;
beforeAll(async () => (stripe = await StripeStandIn.start()));
afterAll(() => stripe.close());

const lines: string[] = [];
const logger = new JsonLogger('debug', { write: (line) => lines.push(line) });

const admin = staffActor('admin', 'u-admin', 'a1');
const coach = staffActor('coach', 'u-coach', 'a1');
const otherAdmin = staffActor('admin', 'u-other', 'a2');
const secretKey = 'sk_test_51SecretOfA1abcdef4242';
const webhookSecret = 'whsec_SecretOfA1webhook77';

let service: UseCaseHarness;
let providers: StripePaymentProviders;

async function start(options: { immediateWithoutProvider?: boolean } = {}) {
  service = await UseCaseHarness.start({
    module: (adapters) => {
      providers = new StripePaymentProviders(
        { events: adapters.events, keys: adapters.keys, logger },
        { immediateWithoutProvider: options.immediateWithoutProvider ?? true, publicUrl: 'https://clientele.example/', stripe: { apiUrl: stripe.url, timeoutMs: 5000 } },
      );
      return PaymentsModule.register(providers);
    },
  });
}
afterEach(async () => {
  await service.close();
  lines.length = 0;
  stripe.rejectKeys(false);
});

const checkout = (purchaseId: string, accountId = 'a1'): CheckoutStart => ({
  purchaseId,
  accountId,
  productId: 'prod-1',
  productName: 'Ten sessions',
  amount: { amount: 50000, currency: 'EUR' },
  buyerEmail: 'mo@example.com',
  successUrl: 'https://clientele.example/checkout/prod-1?purchase=x',
  cancelUrl: 'https://clientele.example/checkout/prod-1?purchase=x&cancelled=1',
});

const connect = (actor = admin, data: Record<string, unknown> = { secretKey, webhookSecret }) => service.when<PaymentsSettings>(BillingSubjects.connectStripe, { actor, data });

/** Every row of every table of an embedded SQLite store, as text. */
function dump(store: unknown): string {
  const db = (store as { db: Database.Database }).db;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
  return tables.map(({ name }) => text(db.prepare(`SELECT * FROM "${name}"`).all())).join('\n');
}

/** Anything as searchable text: blobs as UTF-8, big integers as digits. */
const text = (value: unknown): string =>
  JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = key === '' ? v : this[key];
    if (Buffer.isBuffer(raw)) return raw.toString('utf8');
    return typeof v === 'bigint' ? v.toString() : v;
  });

describe('connecting Stripe (billing.cmd.connect-stripe)', () => {
  it('records the connection with the secrets sealed, and answers the settings without them', async () => {
    await start();

    const settings = await connect(admin, { secretKey: `  ${secretKey}\n`, webhookSecret });

    expect(settings).toEqual({
      provider: 'stripe',
      connected: true,
      mode: 'test',
      keyHint: 'sk_test_…4242',
      canSell: true,
      webhookUrl: 'https://clientele.example/api/v1/payments/stripe/webhook',
    });
    const events = await service.newEvents();
    expect(events).toEqual([
      {
        streamName: 'payments-a1',
        type: 'StripeConnected',
        data: { accountId: 'a1', secrets: expect.stringMatching(/^pii:v1:/), mode: 'test', keyHint: 'sk_test_…4242', at: expect.any(String) },
      },
    ]);
    await expect(providers.webhookSecretFor('a1')).resolves.toBe(webhookSecret);
    await expect(service.when(BillingSubjects.paymentsSettings, { actor: coach, data: {} })).resolves.toEqual(settings);
  });

  it('never shows a secret: not in a stored event, document or key, nor in a log line, nor in an answer', async () => {
    await start();
    const answers = [await connect(), await service.when(BillingSubjects.paymentsSettings, { actor: admin, data: {} })];
    // A checkout and a refused key, which logs.
    await (await providers.forAccount('a1')).start(checkout('p-log'));
    stripe.rejectKeys();
    await expect((await providers.forAccount('a1')).start(checkout('p-log-2'))).rejects.toMatchObject({ code: 'payments_not_configured' });
    expect(lines.length).toBeGreaterThan(0);

    const everything = [
      text(await service.adapters.events.readAll({})),
      dump(service.adapters.events),
      dump(service.adapters.documents),
      dump(service.adapters.keys),
      ...lines,
      JSON.stringify(answers),
    ].join('\n');
    // What was searched holds the connection (so a secret in it would be found).
    expect(everything).toContain('StripeConnected');
    expect(everything).toContain('sk_test_…4242');
    for (const secret of [secretKey, secretKey.slice(8), webhookSecret, webhookSecret.slice(6)]) expect(everything).not.toContain(secret);
    expect(dump(service.adapters.keys)).toContain('stripe-a1');
  });

  it('is for administrators only: a coach is refused and nothing is recorded; staff read the settings', async () => {
    await start();
    await expect(connect(coach)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.when(BillingSubjects.disconnectStripe, { actor: coach, data: {} })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await service.newEvents()).toEqual([]);
    await expect(service.when(BillingSubjects.paymentsSettings, { data: {} })).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(service.when(BillingSubjects.paymentsSettings, { actor: { ...coach, role: 'client' }, data: {} })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses keys that are not Stripe’s (validation_failed, per field) and records nothing', async () => {
    await start();
    await expect(connect(admin, { secretKey: 'pk_test_51Abcdefghijkl1234', webhookSecret: 'secret' })).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [
        { field: 'secretKey', message: expect.stringContaining('publishable key') },
        { field: 'webhookSecret', message: expect.stringContaining('whsec_') },
      ],
    });
    await expect(connect(admin, {})).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await service.newEvents()).toEqual([]);
  });
});

describe('each account’s payment provider', () => {
  it('sells through the account’s own Stripe, with its own key, once connected', async () => {
    await start();
    await connect();
    await connect(otherAdmin, { secretKey: 'sk_live_51KeyOfA2zzzzzz9999', webhookSecret: 'whsec_ofA2webhooksecret' });
    stripe.clearRequests();

    const opening = await (await providers.forAccount('a1')).start(checkout('p-a1'));
    await (await providers.forAccount('a2')).start(checkout('p-a2', 'a2'));

    expect(opening).toMatchObject({ kind: 'redirect', providerSessionId: expect.stringMatching(/^cs_test_/) });
    expect(stripe.requests.map((r) => [r.authorization, r.idempotencyKey])).toEqual([
      [`Bearer ${secretKey}`, 'clientele-checkout-p-a1'],
      ['Bearer sk_live_51KeyOfA2zzzzzz9999', 'clientele-checkout-p-a2'],
    ]);
    expect(await providers.forAccount('a1')).toBeInstanceOf(StripeProvider);
    await expect(providers.webhookSecretFor('a2')).resolves.toBe('whsec_ofA2webhooksecret');
  });

  it('completes at once outside production for an account without Stripe', async () => {
    await start({ immediateWithoutProvider: true });

    const provider = await providers.forAccount('a1');
    expect(provider).toBeInstanceOf(CompletedImmediately);
    await expect(provider.start(checkout('p-1'))).resolves.toEqual({ kind: 'paid' });
    await expect(providers.webhookSecretFor('a1')).resolves.toBeNull();
    await expect(service.when(BillingSubjects.paymentsSettings, { actor: coach, data: {} })).resolves.toEqual({
      provider: 'none',
      connected: false,
      canSell: true,
      webhookUrl: 'https://clientele.example/api/v1/payments/stripe/webhook',
    });
  });

  it('refuses to sell in production for an account without Stripe (payments_not_configured), and sells once it connects', async () => {
    await start({ immediateWithoutProvider: false });

    await expect(providers.forAccount('a1')).rejects.toMatchObject({ code: 'payments_not_configured', detail: expect.stringContaining('connects Stripe in Settings') });
    await expect(service.when(BillingSubjects.paymentsSettings, { actor: coach, data: {} })).resolves.toMatchObject({ connected: false, canSell: false });

    await connect();
    await expect(providers.forAccount('a1')).resolves.toBeInstanceOf(StripeProvider);
  });

  it('stops selling through Stripe at once on disconnection, here and on another replica, and uses the new key after a reconnection', async () => {
    await start({ immediateWithoutProvider: false });
    await connect();
    await (await providers.forAccount('a1')).start(checkout('p-before'));
    // Another replica of billing, on the same stores, has the account's Stripe in its cache too.
    const replica = new StripePaymentProviders({ events: service.adapters.events, keys: service.adapters.keys, logger }, { immediateWithoutProvider: false, publicUrl: 'https://x', stripe: { apiUrl: stripe.url } });
    await expect(replica.forAccount('a1')).resolves.toBeInstanceOf(StripeProvider);

    await expect(service.when(BillingSubjects.disconnectStripe, { actor: admin, data: {} })).resolves.toMatchObject({ provider: 'none', connected: false });
    expect(await service.newEvents()).toEqual([{ streamName: 'payments-a1', type: 'StripeDisconnected', data: { accountId: 'a1', at: expect.any(String) } }]);

    await expect(providers.forAccount('a1')).rejects.toMatchObject({ code: 'payments_not_configured' });
    await expect(replica.forAccount('a1')).rejects.toMatchObject({ code: 'payments_not_configured' });
    await expect(replica.webhookSecretFor('a1')).resolves.toBeNull();
    // Disconnecting again records nothing.
    await service.when(BillingSubjects.disconnectStripe, { actor: admin, data: {} });
    expect(await service.newEvents()).toEqual([]);

    await connect(admin, { secretKey: 'sk_test_51NewKeyOfA1zzzz5555', webhookSecret: 'whsec_NewWebhookOfA1' });
    stripe.clearRequests();
    await (await replica.forAccount('a1')).start(checkout('p-after'));
    expect(stripe.requests.map((r) => r.authorization)).toEqual(['Bearer sk_test_51NewKeyOfA1zzzz5555']);
    await expect(replica.webhookSecretFor('a1')).resolves.toBe('whsec_NewWebhookOfA1');
  });

  it('records nothing when the same keys are connected again', async () => {
    await start();
    await connect();
    await expect(connect()).resolves.toMatchObject({ connected: true, keyHint: 'sk_test_…4242' });
    expect(await service.newEvents()).toEqual([]);
  });
});

describe('a webhook delivery (openStripeDelivery), verified with the secret of the account it names', () => {
  const delivery = (event: Record<string, unknown>, secret: string, timestamp?: number) => {
    const { body, signature } = signedWebhook(event, secret, timestamp);
    return { rawBody: Buffer.from(body, 'utf8').toString('base64'), signature };
  };

  it('reads an event signed with the account’s webhook secret', async () => {
    await start();
    await connect();

    await expect(openStripeDelivery(providers, delivery(checkoutSessionEvent('checkout.session.completed', { purchaseId: 'p-1', accountId: 'a1', sessionId: 'cs_1', paymentIntentId: 'pi_1' }, { id: 'evt_1' }), webhookSecret))).resolves.toEqual({
      type: 'checkout_completed',
      eventId: 'evt_1',
      purchaseId: 'p-1',
      accountId: 'a1',
      providerSessionId: 'cs_1',
      paymentIntentId: 'pi_1',
    });
  });

  it('refuses (invalid_signature) another account’s secret, an account without Stripe or disconnected, no account, no signature, a stale one', async () => {
    await start();
    await connect();
    await connect(otherAdmin, { secretKey: 'sk_test_51KeyOfA2zzzzzz9999', webhookSecret: 'whsec_ofA2webhooksecret' });
    const ofA1 = chargeRefundedEvent({ purchaseId: 'p-1', accountId: 'a1', amountRefunded: 100 });
    const refused = expect.objectContaining({ code: 'invalid_signature' });

    // Signed by a2 (who knows its own secret) but naming a1's purchase.
    await expect(openStripeDelivery(providers, delivery(ofA1, 'whsec_ofA2webhooksecret'))).rejects.toEqual(refused);
    await expect(openStripeDelivery(providers, delivery(chargeRefundedEvent({ purchaseId: 'p-3', accountId: 'a3', amountRefunded: 1 }), 'whsec_anything'))).rejects.toEqual(refused);
    await expect(openStripeDelivery(providers, delivery({ id: 'evt_x', object: 'event', type: 'customer.created', data: { object: {} } }, webhookSecret))).rejects.toEqual(refused);
    await expect(openStripeDelivery(providers, { rawBody: delivery(ofA1, webhookSecret).rawBody, signature: '' })).rejects.toEqual(refused);
    await expect(openStripeDelivery(providers, delivery(ofA1, webhookSecret, Math.floor(Date.now() / 1000) - 600))).rejects.toEqual(refused);

    await service.when(BillingSubjects.disconnectStripe, { actor: admin, data: {} });
    await expect(openStripeDelivery(providers, delivery(ofA1, webhookSecret))).rejects.toEqual(refused);
  });

  it('verifies every event of the account an endpoint URL names: another app’s event is ignored, another account’s purchase refused', async () => {
    await start();
    await connect();
    await connect(otherAdmin, { secretKey: 'sk_test_51KeyOfA2zzzzzz9999', webhookSecret: 'whsec_ofA2webhooksecret' });
    const notOurs = delivery({ id: 'evt_other', object: 'event', type: 'charge.refunded', data: { object: { id: 'ch_1', object: 'charge', metadata: {}, amount_refunded: 5, currency: 'eur' } } }, webhookSecret);

    await expect(openStripeDelivery(providers, { ...notOurs, accountId: 'a1' })).resolves.toEqual({ type: 'ignored', eventId: 'evt_other' });
    await expect(openStripeDelivery(providers, notOurs)).rejects.toMatchObject({ code: 'invalid_signature' });
    // a2's Stripe (a2's secret, a2's URL) speaking of a1's purchase: refused.
    const forged = delivery(chargeRefundedEvent({ purchaseId: 'p-1', accountId: 'a1', amountRefunded: 100 }), 'whsec_ofA2webhooksecret');
    await expect(openStripeDelivery(providers, { ...forged, accountId: 'a2' })).rejects.toMatchObject({ code: 'invalid_signature' });
  });
});
