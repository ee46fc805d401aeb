import { BillingSubjects, type PaymentsSettings } from '@clientele/billing/contracts';
import { JsonLogger } from '@clientele/platform/logging';
import { UseCaseHarness, staffActor } from '@clientele/platform/testing';
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { Module } from '@nestjs/common';
import { ConnectStripeMessageController } from '../commands/connect-stripe/connect-stripe.message-controller';
import { DisconnectStripeMessageController } from '../commands/disconnect-stripe/disconnect-stripe.message-controller';
import { PaymentsSettingsMessageController } from '../queries/payments-settings/payments-settings.message-controller';
import { CheckoutStart, CompletedImmediately } from './payment-provider';
import { STRIPE_PAYMENTS } from './payments.tokens';
import { StripeConnectionCodec, stripeSecretsSubject } from './stripe-connection';
import { StripePaymentProviders } from './stripe-payment-providers';
import { StripeProvider } from './stripe-provider';
import { openStripeDelivery } from './stripe-webhook';
import { StripeStandIn, chargeRefundedEvent, checkoutSessionEvent, signedWebhook, stripeEvent } from './testing/stripe-stand-in';

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
      // Billing's Stripe connection controllers, as BillingModule registers them.
      return {
        module: StripeConnectionTestModule,
        controllers: [ConnectStripeMessageController, DisconnectStripeMessageController, PaymentsSettingsMessageController],
        providers: [{ provide: STRIPE_PAYMENTS, useValue: providers }],
      };
    },
  });
}
@Module({})
class StripeConnectionTestModule {}

afterEach(async () => {
  await service.close();
  lines.length = 0;
  stripe.rejectKeys(false);
  stripe.acceptOnlyKeys(null);
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
      webhookUrl: 'https://clientele.example/api/v1/payments/stripe/webhook/a1',
    });
    const events = await service.newEvents();
    expect(events).toEqual([
      {
        streamName: 'payments-a1',
        type: 'StripeConnected',
        data: {
          accountId: 'a1',
          secrets: expect.stringMatching(/^pii:v1:/),
          sealedUnder: expect.stringMatching(/^stripe-a1-[0-9a-f-]{36}$/),
          mode: 'test',
          keyHint: 'sk_test_…4242',
          at: expect.any(String),
        },
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
      webhookUrl: 'https://clientele.example/api/v1/payments/stripe/webhook/a1',
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

describe('checking the key with Stripe before it is stored', () => {
  const listReads = () => stripe.requests.filter((r) => r.method === 'GET' && r.path === '/v1/checkout/sessions');

  it('asks Stripe with the key (one read of its Checkout Sessions) before recording the connection', async () => {
    await start();
    stripe.clearRequests();
    await connect();
    expect(listReads().map((r) => r.authorization)).toEqual([`Bearer ${secretKey}`]);
    expect(await service.newEvents()).toHaveLength(1);
    // The same keys again (a retry): already checked, Stripe is not asked again.
    await connect();
    expect(listReads()).toHaveLength(1);
  });

  it('refuses a key Stripe does not know (401) with stripe_key_rejected, a sentence, and nothing stored', async () => {
    await start();
    stripe.acceptOnlyKeys(['sk_test_51SomeOtherKnownKey0000']);
    const refused = connect().catch((error: unknown) => error);
    await expect(refused).resolves.toMatchObject({ code: 'stripe_key_rejected', detail: expect.stringMatching(/^Stripe did not accept this secret key, so nothing was stored\. .*API keys\.$/) });
    expect(JSON.stringify(await refused)).not.toContain(secretKey.slice(8));
    expect(await service.newEvents()).toEqual([]);
    expect(dump(service.adapters.keys)).not.toContain('stripe-a1');
    await expect(service.when(BillingSubjects.paymentsSettings, { actor: admin, data: {} })).resolves.toMatchObject({ connected: false });
    expect(lines.join('\n')).not.toContain(secretKey.slice(8));
  });

  it('refuses a restricted key without the Checkout Sessions permission (403), naming the permission', async () => {
    await start();
    stripe.forbidKeys('rk_test_51RestrictedNoPerms0000');
    await expect(connect(admin, { secretKey: 'rk_test_51RestrictedNoPerms0000', webhookSecret })).rejects.toMatchObject({
      code: 'stripe_key_rejected',
      detail: expect.stringContaining('Checkout Sessions'),
    });
    expect(await service.newEvents()).toEqual([]);
  });

  it('answers 503 (unavailable) when Stripe cannot be asked, and stores nothing', async () => {
    await start();
    // The check and its one retry.
    stripe.failNext(503, 503);
    stripe.clearRequests();
    await expect(connect()).rejects.toMatchObject({ code: 'unavailable', detail: expect.stringContaining('nothing was stored') });
    expect(stripe.requests).toHaveLength(2);
    expect(await service.newEvents()).toEqual([]);
  });

  it('never sends Stripe what is not a secret key (a publishable key): validation_failed first', async () => {
    await start();
    stripe.clearRequests();
    await expect(connect(admin, { secretKey: 'pk_live_51Abcdefghijkl1234', webhookSecret })).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'secretKey', message: expect.stringContaining('publishable key') }],
    });
    expect(stripe.requests).toEqual([]);
  });
});

describe('disconnecting shreds the secrets', () => {
  /** The sealed secrets of every StripeConnected of a1, as stored, with the subject they name. */
  const sealedConnections = async () =>
    (await service.adapters.events.readStream('payments-a1'))
      .filter((e) => e.type === 'StripeConnected')
      .map((e) => ({ sealed: (e.data as { secrets: string }).secrets, under: (e.data as { sealedUnder: string }).sealedUnder, recorded: e }));

  it('destroys the key the secrets were sealed with: they cannot be opened again, also from a fresh process', async () => {
    await start();
    await connect();
    const [first] = await sealedConnections();
    const cipher = () => new PersonalDataCipher(new KeyStore(service.adapters.keys));
    await expect(cipher().open(first.under, first.sealed)).resolves.toEqual({ secretKey, webhookSecret });

    await service.when(BillingSubjects.disconnectStripe, { actor: admin, data: {} });

    await expect(cipher().open(first.under, first.sealed)).resolves.toBeNull();
    // Read back from the store, the old connection is a disconnection: no secret comes out of it.
    await expect(new StripeConnectionCodec(cipher()).decode(first.recorded)).resolves.toEqual({ type: 'StripeDisconnected', data: { accountId: 'a1', at: expect.any(String) } });
    const fresh = new StripePaymentProviders({ events: service.adapters.events, keys: service.adapters.keys, logger }, { immediateWithoutProvider: false, publicUrl: 'https://x' });
    await expect(fresh.webhookSecretFor('a1')).resolves.toBeNull();
    expect(dump(service.adapters.keys)).not.toContain(first.under);
  });

  it('connects again with a new key of its own, and sells and verifies with the new secrets', async () => {
    await start({ immediateWithoutProvider: false });
    await connect();
    await service.when(BillingSubjects.disconnectStripe, { actor: admin, data: {} });
    await connect(admin, { secretKey: 'sk_test_51NewKeyOfA1zzzz5555', webhookSecret: 'whsec_NewWebhookOfA1' });

    const [first, second] = await sealedConnections();
    expect(second.under).not.toBe(first.under);
    const cipher = new PersonalDataCipher(new KeyStore(service.adapters.keys));
    await expect(cipher.open(first.under, first.sealed)).resolves.toBeNull();
    await expect(cipher.open(second.under, second.sealed)).resolves.toEqual({ secretKey: 'sk_test_51NewKeyOfA1zzzz5555', webhookSecret: 'whsec_NewWebhookOfA1' });
    const fresh = new StripePaymentProviders({ events: service.adapters.events, keys: service.adapters.keys, logger }, { immediateWithoutProvider: false, publicUrl: 'https://x', stripe: { apiUrl: stripe.url } });
    await expect(fresh.webhookSecretFor('a1')).resolves.toBe('whsec_NewWebhookOfA1');
    stripe.clearRequests();
    await (await fresh.forAccount('a1')).start(checkout('p-again'));
    expect(stripe.requests.map((r) => r.authorization)).toEqual(['Bearer sk_test_51NewKeyOfA1zzzz5555']);
  });

  it('shreds the key of replaced keys too, and keeps the current one', async () => {
    await start();
    await connect();
    await connect(admin, { secretKey: 'sk_test_51NewKeyOfA1zzzz5555', webhookSecret: 'whsec_NewWebhookOfA1' });
    const [first, second] = await sealedConnections();
    const cipher = new PersonalDataCipher(new KeyStore(service.adapters.keys));
    await expect(cipher.open(first.under, first.sealed)).resolves.toBeNull();
    await expect(cipher.open(second.under, second.sealed)).resolves.toMatchObject({ secretKey: 'sk_test_51NewKeyOfA1zzzz5555' });
    await expect(providers.webhookSecretFor('a1')).resolves.toBe('whsec_NewWebhookOfA1');
  });

  it('shreds a connection of the first version (sealed under stripe-<accountId>) on disconnection', async () => {
    await start();
    const cipher = new PersonalDataCipher(new KeyStore(service.adapters.keys));
    const sealed = await cipher.seal(stripeSecretsSubject('a1'), { secretKey, webhookSecret });
    await service.adapters.events.appendToStream(
      'payments-a1',
      [{ id: randomUUID(), type: 'StripeConnected', data: { accountId: 'a1', secrets: sealed, mode: 'test', keyHint: 'sk_test_…4242', at: new Date().toISOString() } }],
      { expectedRevision: 'no_stream' },
    );
    await expect(providers.webhookSecretFor('a1')).resolves.toBe(webhookSecret);

    await service.when(BillingSubjects.disconnectStripe, { actor: admin, data: {} });
    await expect(new PersonalDataCipher(new KeyStore(service.adapters.keys)).open(stripeSecretsSubject('a1'), sealed)).resolves.toBeNull();
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

  it('matches a refunded charge without our metadata by its PaymentIntent, asked of the account’s Stripe', async () => {
    await start();
    await connect();
    const opening = await (await providers.forAccount('a1')).start(checkout('p-pi'));
    const paymentIntentId = stripe.pay(opening.kind === 'redirect' ? opening.providerSessionId : '').payment_intent as string;
    const charge = (intent: string, id: string) =>
      stripeEvent('charge.refunded', { id: 'ch_1', object: 'charge', amount: 50000, amount_refunded: 50000, currency: 'eur', metadata: {}, payment_intent: intent, refunds: { data: [] } }, { id });

    stripe.clearRequests();
    await expect(openStripeDelivery(providers, { ...delivery(charge(paymentIntentId, 'evt_pi'), webhookSecret), accountId: 'a1' })).resolves.toEqual({
      type: 'refunded',
      eventId: 'evt_pi',
      purchaseId: 'p-pi',
      accountId: 'a1',
      amountRefunded: { amount: 50000, currency: 'EUR' },
      providerRefundId: null,
    });
    expect(stripe.requests.map((r) => `${r.method} ${r.path} ${r.authorization}`)).toEqual([`GET /v1/payment_intents/${paymentIntentId} Bearer ${secretKey}`]);
    // A PaymentIntent Stripe does not know (not this account's): not ours, ignored.
    await expect(openStripeDelivery(providers, { ...delivery(charge('pi_elsewhere', 'evt_pi2'), webhookSecret), accountId: 'a1' })).resolves.toEqual({ type: 'ignored', eventId: 'evt_pi2' });
    // Stripe unreachable: no answer (so Stripe delivers it again), rather than a wrong one.
    stripe.failNext(503, 503, 503);
    await expect(openStripeDelivery(providers, { ...delivery(charge(paymentIntentId, 'evt_pi3'), webhookSecret), accountId: 'a1' })).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('verifies every event of the account an endpoint URL names: another app’s event and another business’s purchase are ignored', async () => {
    await start();
    await connect();
    await connect(otherAdmin, { secretKey: 'sk_test_51KeyOfA2zzzzzz9999', webhookSecret: 'whsec_ofA2webhooksecret' });
    const notOurs = delivery({ id: 'evt_other', object: 'event', type: 'charge.refunded', data: { object: { id: 'ch_1', object: 'charge', metadata: {}, amount_refunded: 5, currency: 'eur' } } }, webhookSecret);

    await expect(openStripeDelivery(providers, { ...notOurs, accountId: 'a1' })).resolves.toEqual({ type: 'ignored', eventId: 'evt_other' });
    await expect(openStripeDelivery(providers, notOurs)).rejects.toMatchObject({ code: 'invalid_signature' });
    // a2's Stripe (a2's secret, a2's URL) speaking of a1's purchase: not a2's, so nothing for a2 (a
    // Stripe account two businesses share sends both their events to both URLs), and nothing of a1's.
    const forged = delivery(chargeRefundedEvent({ purchaseId: 'p-1', accountId: 'a1', amountRefunded: 100 }, { id: 'evt_forged' }), 'whsec_ofA2webhooksecret');
    await expect(openStripeDelivery(providers, { ...forged, accountId: 'a2' })).resolves.toEqual({ type: 'ignored', eventId: 'evt_forged' });
    // The URL decides whose secret verifies: a2's event at a1's URL does not verify.
    await expect(openStripeDelivery(providers, { ...forged, accountId: 'a1' })).rejects.toMatchObject({ code: 'invalid_signature' });
    await expect(openStripeDelivery(providers, { ...notOurs, accountId: 'a-unknown' })).rejects.toMatchObject({ code: 'invalid_signature' });
  });
});
