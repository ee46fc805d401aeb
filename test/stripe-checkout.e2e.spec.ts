import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deployment, deployedForSuite, separateProcesses } from './support/deployments';
import { eventually } from './support/eventually';
import { Api, Business, signUp, uniqueEmail } from './support/http';
import { ClienteleProcess, freePort, spawnClientele, stopAll, waitUntilHealthy } from './support/processes';
import { StripeStandIn, chargeRefundedEvent, checkoutSessionEvent, signedWebhook, stripeEvent } from './support/stripe-stand-in';

/**
 * Issue 22: selling through Stripe Checkout, end to end, in one process and as separate processes
 * over NATS. Stripe itself cannot be reached from here: the official client talks to a local
 * stand-in of its API (STRIPE_API_URL), and the webhooks are signed by Stripe's own
 * generateTestHeaderString and sent to the real route.
 */

/** The first version's URL, for every business: kept for events that name their account. */
const WEBHOOK = '/api/v1/payments/stripe/webhook';
/** A business's own URL, the one its settings show. */
const webhookOf = (accountId: string) => `${WEBHOOK}/${accountId}`;
const SECRET_KEY = `sk_test_${randomUUID().replace(/-/g, '')}`;
const WEBHOOK_SECRET = `whsec_${randomUUID().replace(/-/g, '')}`;

/** The whole system in one OS process, as `npm start` runs it, with settings of the test's (debug logs: they must not hold a secret either). */
function singleProcessWith(env: () => Record<string, string>): Deployment & { output(): string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'clientele-e2e-stripe-'));
  let processes: ClienteleProcess[] = [];
  const outputs: ClienteleProcess[] = [];
  let port = 0;
  return {
    dataRoot: dataDir,
    async start() {
      port ||= await freePort();
      processes = [spawnClientele('clientele', { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'debug', ...env() })];
      outputs.push(...processes);
      const api = new Api(`http://127.0.0.1:${port}`);
      await waitUntilHealthy(api, processes);
      return api;
    },
    stop: () => stopAll(processes),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    output: () => outputs.map((p) => p.output()).join(''),
  };
}

let standIn: StripeStandIn;
beforeAll(async () => {
  standIn = await StripeStandIn.start();
});
afterAll(() => standIn?.close());

const MODES: Array<[string, () => Deployment & { output?(): string }]> = [
  ['in one process', () => singleProcessWith(() => ({ STRIPE_API_URL: standIn.url }))],
  ['as separate processes over NATS', () => separateProcesses({ STRIPE_API_URL: standIn.url })],
];

describe.each(MODES)('Stripe Checkout %s', (_mode, deploy) => {
  const deployed = deployedForSuite(deploy, 240_000);
  const api = () => deployed.api;

  const mails = async (to: string) => (await api().get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`)).body.items as Array<{ kind: string }>;
  const sessionRequests = () => standIn.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');

  async function connectedBusiness(): Promise<Business> {
    const business = await signUp(api());
    const connected = await business.admin.put('/api/v1/account/payments/stripe', { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
    expect(connected.status).toBe(200);
    return business;
  }

  async function product(business: Business, body: Record<string, unknown> = {}) {
    const created = await business.admin.post('/api/v1/products', { name: 'Strength block', price: { amount: 4900, currency: 'EUR' }, clientType: 'full_access', ...body });
    expect(created.status).toBe(201);
    return created.body as { id: string };
  }

  const checkout = (productId: string, email: string, key: string = randomUUID()) =>
    api().post('/api/v1/checkout', { productId, buyer: { firstName: 'Bea', lastName: 'Buyer', email } }, { 'idempotency-key': key });

  /**
   * Sends a webhook as Stripe does: the signed bytes, application/json, the Stripe-Signature header;
   * to the first version's URL, or (`to`) to a business's own.
   */
  const deliver = (signed: { body: string; signature: string }, to: string = WEBHOOK) =>
    api().call<any>('POST', to, signed.body, { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signed.signature });

  const clientsNamed = async (business: Business, email: string) => (await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`)).body;

  async function clientByEmail(business: Business, email: string) {
    return eventually(async () => (await clientsNamed(business, email)).items[0], (client) => client !== undefined, { timeoutMs: 20_000 });
  }

  /** A started Stripe checkout: its purchase, session and the event refs. */
  async function pendingPurchase(business: Business, productId: string, email = uniqueEmail('buyer')) {
    const bought = await checkout(productId, email);
    expect(bought.status).toBe(201);
    expect(bought.body.status).toBe('pending_payment');
    const purchaseId = bought.body.purchaseId as string;
    const session = sessionRequests().find((r) => r.idempotencyKey === `clientele-checkout-${purchaseId}`);
    expect(session).toBeDefined();
    const sessionId = [...standIn.sessions.values()].find((s) => s.client_reference_id === purchaseId)!.id as string;
    return { email, purchaseId, sessionId, ref: { purchaseId, accountId: business.accountId, productId } };
  }

  it('connects Stripe: the answer, the settings and the logs never hold a secret', async () => {
    const business = await signUp(api());
    const before = await business.admin.get('/api/v1/account/payments');
    expect(before.status).toBe(200);
    // The business's own URL, to paste into Stripe.
    expect(before.body).toMatchObject({ provider: 'none', connected: false, canSell: true, webhookUrl: expect.stringMatching(new RegExp(`/api/v1/payments/stripe/webhook/${business.accountId}$`)) });

    const connected = await business.admin.put('/api/v1/account/payments/stripe', { secretKey: ` ${SECRET_KEY}\n`, webhookSecret: WEBHOOK_SECRET });
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({ provider: 'stripe', connected: true, mode: 'test', canSell: true, keyHint: `sk_test_…${SECRET_KEY.slice(-4)}` });
    expect(connected.body.webhookEvents).toEqual(expect.arrayContaining(['checkout.session.completed', 'checkout.session.expired', 'charge.refunded']));
    const read = await business.admin.get('/api/v1/account/payments');
    for (const answer of [connected, read]) {
      expect(JSON.stringify(answer.body)).not.toContain(SECRET_KEY);
      expect(JSON.stringify(answer.body)).not.toContain(WEBHOOK_SECRET);
    }
    expect(read.body).toMatchObject({ provider: 'stripe', connected: true, mode: 'test' });
    const output = (deployed.deployment as { output?(): string }).output?.();
    if (output !== undefined) {
      expect(output).not.toContain(SECRET_KEY);
      expect(output).not.toContain(WEBHOOK_SECRET);
    }

    // A key that is not one: a sentence on the field; a coach may not connect.
    const wrong = await business.admin.put('/api/v1/account/payments/stripe', { secretKey: 'pk_test_publishable', webhookSecret: WEBHOOK_SECRET });
    expect({ status: wrong.status, code: wrong.body.code, field: wrong.body.errors?.[0]?.field }).toEqual({ status: 400, code: 'validation_failed', field: 'secretKey' });
    expect(JSON.stringify(wrong.body)).not.toContain(WEBHOOK_SECRET);

    const other = await signUp(api());
    await other.admin.put('/api/v1/account/payments/stripe', { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
    expect((await other.admin.call('DELETE', '/api/v1/account/payments/stripe')).status).toBe(204);
    expect((await other.admin.get('/api/v1/account/payments')).body).toMatchObject({ provider: 'none', connected: false });
  });

  it('checks the key with Stripe before storing it: a key Stripe does not know is refused (stripe_key_rejected), Stripe unreachable is 503, nothing stored', async () => {
    const business = await signUp(api());
    const revoked = `sk_test_${randomUUID().replace(/-/g, '')}`;
    standIn.revokeKeys(revoked);
    standIn.clearRequests();

    const refused = await business.admin.put('/api/v1/account/payments/stripe', { secretKey: revoked, webhookSecret: WEBHOOK_SECRET });
    expect({ status: refused.status, code: refused.body.code, type: refused.headers.get('content-type') }).toEqual({ status: 400, code: 'stripe_key_rejected', type: expect.stringContaining('application/problem+json') });
    expect(refused.body.detail).toMatch(/^Stripe did not accept this secret key, so nothing was stored\. .+\.$/);
    expect(JSON.stringify(refused.body)).not.toContain(revoked.slice(8));
    // Stripe was asked with that key, once (a cheap read), and nothing else.
    expect(standIn.requests.map((r) => `${r.method} ${r.path} ${r.authorization}`)).toEqual([`GET /v1/checkout/sessions Bearer ${revoked}`]);
    expect((await business.admin.get('/api/v1/account/payments')).body).toMatchObject({ provider: 'none', connected: false });

    // Stripe does not answer (the check and its one retry): 503 with a sentence, nothing stored.
    standIn.failNext(503, 503);
    const down = await business.admin.put('/api/v1/account/payments/stripe', { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
    expect({ status: down.status, code: down.body.code }).toEqual({ status: 503, code: 'unavailable' });
    expect(down.body.detail).toContain('nothing was stored');
    expect((await business.admin.get('/api/v1/account/payments')).body).toMatchObject({ connected: false });

    // Stripe back: the same request connects.
    expect((await business.admin.put('/api/v1/account/payments/stripe', { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET })).status).toBe(200);
    const output = (deployed.deployment as { output?(): string }).output?.();
    if (output !== undefined) expect(output).not.toContain(revoked.slice(8));
  });

  it("takes every event of the business's Stripe at its own URL: one Clientele did not start is answered 200 and recorded as nothing", async () => {
    const business = await connectedBusiness();
    const { id: productId } = await product(business);
    const { email, purchaseId, sessionId, ref } = await pendingPurchase(business, productId);
    const own = webhookOf(business.accountId);

    // A refund of a charge made elsewhere (no metadata of ours), and an event of another kind: 200, nothing recorded.
    const elsewhere = stripeEvent('charge.refunded', { id: 'ch_elsewhere', object: 'charge', amount: 1000, amount_refunded: 1000, currency: 'eur', metadata: {}, payment_intent: 'pi_elsewhere' });
    const customer = stripeEvent('customer.created', { id: 'cus_1', object: 'customer', metadata: {} });
    for (const event of [elsewhere, customer]) {
      const answered = await deliver(signedWebhook(event, WEBHOOK_SECRET), own);
      expect({ status: answered.status, body: answered.body }).toEqual({ status: 200, body: { received: true } });
    }
    // The first version's URL cannot tell whose it is: refused, as before (the settings show the business's own URL).
    expect((await deliver(signedWebhook(elsewhere, WEBHOOK_SECRET))).status).toBe(400);

    // Another business's purchase verified with this business's secret (a Stripe account two businesses share): 200, nothing recorded for either.
    const stranger = await connectedBusiness();
    const theirs = await pendingPurchase(stranger, (await product(stranger)).id);
    expect((await deliver(signedWebhook(checkoutSessionEvent('checkout.session.completed', { ...theirs.ref, sessionId: theirs.sessionId }), WEBHOOK_SECRET), own)).status).toBe(200);
    expect((await api().get(`/api/v1/checkout/purchases/${theirs.purchaseId}`)).body.status).toBe('pending_payment');

    // Refused, nothing recorded: a wrong signature, an account without Stripe, an account that is not one.
    const paymentIntentId = standIn.pay(sessionId).payment_intent as string;
    const completed = signedWebhook(checkoutSessionEvent('checkout.session.completed', { ...ref, sessionId, paymentIntentId, amount: 4900 }), WEBHOOK_SECRET);
    const refusals = [
      await deliver(signedWebhook(JSON.parse(completed.body), `whsec_${randomUUID().replace(/-/g, '')}`), own),
      await deliver(completed, webhookOf((await signUp(api())).accountId)),
      await deliver(completed, webhookOf(randomUUID())),
      await deliver(completed, `${WEBHOOK}/not%20an%20account`),
    ];
    for (const refused of refusals) expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 400, code: 'invalid_signature' });
    expect((await api().get(`/api/v1/checkout/purchases/${purchaseId}`)).body.status).toBe('pending_payment');

    // The business's own purchase at its own URL: recorded, the buyer enrolled once.
    expect((await deliver(completed, own)).status).toBe(200);
    expect((await deliver(completed, own)).status).toBe(200);
    const client = await clientByEmail(business, email);
    expect((await clientsNamed(business, email)).total).toBe(1);

    // A refund whose charge carries none of our metadata: matched by its PaymentIntent, asked of the business's Stripe.
    const bare = stripeEvent('charge.refunded', { id: 'ch_bare', object: 'charge', amount: 4900, amount_refunded: 4900, currency: 'eur', metadata: {}, payment_intent: paymentIntentId, refunds: { object: 'list', data: [] } });
    expect((await deliver(signedWebhook(bare, WEBHOOK_SECRET), own)).status).toBe(200);
    expect(standIn.requests.some((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${paymentIntentId}` && r.authorization === `Bearer ${SECRET_KEY}`)).toBe(true);
    const refunded = await eventually(() => business.admin.get(`/api/v1/clients/${client.id}/purchases/${purchaseId}`), (r) => r.body.status === 'refunded', { timeoutMs: 20_000 });
    expect(refunded.body).toMatchObject({ refundedTotal: { amount: 4900, currency: 'EUR' } });
  });

  it('disconnecting makes the old secrets useless; connecting again with new keys verifies with the new secret', async () => {
    const business = await connectedBusiness();
    const { id: productId } = await product(business);
    const { email, sessionId, ref } = await pendingPurchase(business, productId);
    expect((await business.admin.call('DELETE', '/api/v1/account/payments/stripe')).status).toBe(204);
    const completed = checkoutSessionEvent('checkout.session.completed', { ...ref, sessionId, amount: 4900 });
    expect((await deliver(signedWebhook(completed, WEBHOOK_SECRET), webhookOf(business.accountId))).status).toBe(400);

    const newSecret = `whsec_${randomUUID().replace(/-/g, '')}`;
    expect((await business.admin.put('/api/v1/account/payments/stripe', { secretKey: SECRET_KEY, webhookSecret: newSecret })).status).toBe(200);
    expect((await deliver(signedWebhook(completed, WEBHOOK_SECRET), webhookOf(business.accountId))).status).toBe(400);
    expect((await deliver(signedWebhook(completed, newSecret), webhookOf(business.accountId))).status).toBe(200);
    await clientByEmail(business, email);
  });

  it('sells through Stripe Checkout: one session per Idempotency-Key, then the paid webhook enrols the buyer once, with one invitation', async () => {
    const business = await connectedBusiness();
    const { id: productId } = await product(business);
    const email = uniqueEmail('stripe-buyer');
    const key = randomUUID();
    const bought = await checkout(productId, email, key);
    expect(bought.status).toBe(201);
    const purchaseId = bought.body.purchaseId as string;
    expect(bought.body).toEqual({ purchaseId, productId, status: 'pending_payment', paymentUrl: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/), enrolment: 'in_progress' });

    // The exact request Stripe got: the account's key, our idempotency key derived from the buyer's, the price, the way back.
    const sent = sessionRequests().filter((r) => r.idempotencyKey === `clientele-checkout-${purchaseId}`);
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(request.body).toMatchObject({
      mode: 'payment',
      client_reference_id: purchaseId,
      customer_email: email,
      metadata: { purchaseId, accountId: business.accountId, productId },
      payment_intent_data: { metadata: { purchaseId, accountId: business.accountId, productId } },
      line_items: [{ quantity: '1', price_data: { currency: 'eur', unit_amount: '4900', product_data: { name: 'Strength block' } } }],
      success_url: expect.stringMatching(new RegExp(`/checkout/${productId}\\?purchase=${purchaseId}$`)),
      cancel_url: expect.stringMatching(new RegExp(`/checkout/${productId}\\?purchase=${purchaseId}&cancelled=1$`)),
    });
    const session = [...standIn.sessions.values()].find((s) => s.client_reference_id === purchaseId)!;
    expect(bought.body.paymentUrl).toBe(session.url);

    // The same key again: the same page, and Stripe is not asked again.
    const again = await checkout(productId, email, key);
    expect(again.body).toEqual(bought.body);
    expect(sessionRequests().filter((r) => r.body.client_reference_id === purchaseId)).toHaveLength(1);

    // Not paid yet: nobody is enrolled, the page keeps asking.
    expect((await api().get(`/api/v1/checkout/purchases/${purchaseId}`)).body).toMatchObject({ status: 'pending_payment', enrolment: 'in_progress' });
    expect((await clientsNamed(business, email)).total).toBe(0);

    const paid = standIn.pay(session.id as string);
    const completed = signedWebhook(
      checkoutSessionEvent('checkout.session.completed', { purchaseId, accountId: business.accountId, productId, sessionId: session.id as string, paymentIntentId: paid.payment_intent as string, amount: 4900 }),
      WEBHOOK_SECRET,
    );
    const received = await deliver(completed);
    expect({ status: received.status, body: received.body }).toEqual({ status: 200, body: { received: true } });

    const client = await clientByEmail(business, email);
    expect(client).toMatchObject({ type: 'full_access', status: 'active', email });
    const status = await eventually(() => api().get(`/api/v1/checkout/purchases/${purchaseId}`), (r) => r.body.enrolment !== 'in_progress', { timeoutMs: 20_000 });
    expect(status.body).toEqual({ purchaseId, productId, status: 'completed', enrolment: 'enrolled' });
    await eventually(() => mails(email), (items) => items.length > 0, { timeoutMs: 20_000 });

    // Stripe delivers it again (it retries until it gets a 2xx, for days): 200, and nothing more happens.
    expect((await deliver(completed)).status).toBe(200);
    expect((await deliver(signedWebhook(JSON.parse(completed.body), WEBHOOK_SECRET))).status).toBe(200);
    await eventually(() => business.admin.get(`/api/v1/clients/${client.id}/purchases`), (r) => r.body.items?.length === 1);
    expect((await clientsNamed(business, email)).total).toBe(1);
    expect((await business.admin.get(`/api/v1/clients/${client.id}/purchases`)).body.items).toHaveLength(1);
    expect((await mails(email)).map((m) => m.kind)).toEqual(['invitation']);
  });

  it('refuses an unsigned, wrongly signed, tampered, replayed or unknown-account webhook with 400 and records nothing', async () => {
    const business = await connectedBusiness();
    const { id: productId } = await product(business);
    const { email, purchaseId, sessionId, ref } = await pendingPurchase(business, productId);
    const event = checkoutSessionEvent('checkout.session.completed', { ...ref, sessionId, amount: 4900 });
    const good = signedWebhook(event, WEBHOOK_SECRET);

    const refusals = [
      await api().call<any>('POST', WEBHOOK, good.body, { 'content-type': 'application/json' }),
      await deliver(signedWebhook(event, `whsec_${randomUUID().replace(/-/g, '')}`)),
      await deliver({ body: good.body.replace(purchaseId, randomUUID()), signature: good.signature }),
      await deliver({ body: `${good.body} `, signature: good.signature }),
      await deliver(signedWebhook(event, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 600)),
      await deliver(signedWebhook(checkoutSessionEvent('checkout.session.completed', { ...ref, accountId: randomUUID(), sessionId }), WEBHOOK_SECRET)),
    ];
    for (const refused of refusals) {
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 400, code: 'invalid_signature' });
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.detail).toMatch(/\.$/);
    }
    expect((await api().get(`/api/v1/checkout/purchases/${purchaseId}`)).body.status).toBe('pending_payment');
    // The same event, signed as Stripe signs it, is still taken: nothing of the refused ones was kept.
    expect((await deliver(good)).status).toBe(200);
    await clientByEmail(business, email);
    expect((await clientsNamed(business, email)).total).toBe(1);
  });

  it('enrols nobody for an expired session or a failed payment', async () => {
    const business = await connectedBusiness();
    const { id: productId } = await product(business);
    const { email, purchaseId, sessionId, ref } = await pendingPurchase(business, productId);
    expect((await deliver(signedWebhook(checkoutSessionEvent('checkout.session.expired', { ...ref, sessionId }), WEBHOOK_SECRET))).status).toBe(200);
    const status = await api().get(`/api/v1/checkout/purchases/${purchaseId}`);
    expect(status.body).toMatchObject({ purchaseId, status: 'not_completed', enrolment: 'none' });
    expect((await deliver(signedWebhook(checkoutSessionEvent('checkout.session.async_payment_failed', { ...ref, sessionId }), WEBHOOK_SECRET))).status).toBe(200);
    // Nothing is enrolled, now or a little later.
    await eventually(() => api().get(`/api/v1/checkout/purchases/${purchaseId}`), (r) => r.body.status === 'not_completed');
    expect((await clientsNamed(business, email)).total).toBe(0);
    expect(await mails(email)).toEqual([]);
  });

  it('keeps a refund that arrives before the payment, and enrols the buyer once when the payment arrives', async () => {
    const business = await connectedBusiness();
    const { id: productId } = await product(business, { clientType: 'full_access_one_way' });
    const { email, purchaseId, sessionId, ref } = await pendingPurchase(business, productId);
    const paymentIntentId = standIn.pay(sessionId).payment_intent as string;
    const refunded = signedWebhook(chargeRefundedEvent({ ...ref, amount: 4900, amountRefunded: 4900, paymentIntentId, refundId: 're_test_early' }), WEBHOOK_SECRET);
    const completed = signedWebhook(checkoutSessionEvent('checkout.session.completed', { ...ref, sessionId, paymentIntentId, amount: 4900 }), WEBHOOK_SECRET);
    // At the business's own URL, as its settings say.
    const own = webhookOf(business.accountId);
    expect((await deliver(refunded, own)).status).toBe(200);
    expect((await deliver(completed, own)).status).toBe(200);
    expect((await deliver(refunded, own)).status).toBe(200);

    const client = await clientByEmail(business, email);
    expect(client.type).toBe('full_access_one_way');
    const purchase = await eventually(
      () => business.admin.get(`/api/v1/clients/${client.id}/purchases/${purchaseId}`),
      (r) => r.status === 200 && r.body.status === 'refunded',
      { timeoutMs: 20_000 },
    );
    expect(purchase.body).toMatchObject({ purchaseId, status: 'refunded', amount: { amount: 4900, currency: 'EUR' }, refundedTotal: { amount: 4900, currency: 'EUR' } });
    await eventually(() => mails(email), (items) => items.length > 0, { timeoutMs: 20_000 });
    expect((await clientsNamed(business, email)).total).toBe(1);
    expect((await mails(email)).map((m) => m.kind)).toEqual(['invitation']);
  });

  it('refunds from Clientele through Stripe with an idempotency key, and shows the refund once Stripe confirms it', async () => {
    const business = await connectedBusiness();
    const { id: productId } = await product(business);
    const { email, purchaseId, sessionId, ref } = await pendingPurchase(business, productId);
    const paymentIntentId = standIn.pay(sessionId).payment_intent as string;
    expect((await deliver(signedWebhook(checkoutSessionEvent('checkout.session.completed', { ...ref, sessionId, paymentIntentId, amount: 4900 }), WEBHOOK_SECRET))).status).toBe(200);
    const client = await clientByEmail(business, email);
    await eventually(() => business.admin.get(`/api/v1/clients/${client.id}/purchases`), (r) => r.body.items?.length === 1, { timeoutMs: 20_000 });

    // Another business's admin, or a purchase that is not this client's: 404.
    const stranger = await signUp(api());
    expect((await stranger.admin.post(`/api/v1/clients/${client.id}/purchases/${purchaseId}/refund`, {})).status).toBe(404);
    expect((await business.admin.post(`/api/v1/clients/${client.id}/purchases/${randomUUID()}/refund`, {})).status).toBe(404);

    const key = randomUUID();
    const requested = await business.admin.post(`/api/v1/clients/${client.id}/purchases/${purchaseId}/refund`, {}, { 'idempotency-key': key });
    expect(requested.status).toBe(202);
    expect(requested.body).toEqual({ purchaseId, amount: { amount: 4900, currency: 'EUR' }, status: 'requested' });
    const refunds = () => standIn.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds' && r.body.payment_intent === paymentIntentId);
    expect(refunds()).toHaveLength(1);
    expect(refunds()[0]).toMatchObject({ idempotencyKey: `clientele-refund-${purchaseId}-1`, authorization: `Bearer ${SECRET_KEY}`, body: { payment_intent: paymentIntentId, amount: '4900' } });
    // The same request again (a retried click): the same refund, asked with the same key.
    expect((await business.admin.post(`/api/v1/clients/${client.id}/purchases/${purchaseId}/refund`, {}, { 'idempotency-key': key })).status).toBe(202);
    expect(new Set(refunds().map((r) => r.idempotencyKey))).toEqual(new Set([`clientele-refund-${purchaseId}-1`]));
    // Not refunded until Stripe says so.
    expect((await business.admin.get(`/api/v1/clients/${client.id}/purchases/${purchaseId}`)).body.status).toBe('completed');

    const refundId = standIn.refunds[standIn.refunds.length - 1].id as string;
    expect((await deliver(signedWebhook(chargeRefundedEvent({ ...ref, amount: 4900, amountRefunded: 4900, paymentIntentId, refundId }), WEBHOOK_SECRET))).status).toBe(200);
    const shown = await eventually(() => business.admin.get(`/api/v1/clients/${client.id}/purchases/${purchaseId}`), (r) => r.body.status === 'refunded');
    expect(shown.body).toMatchObject({ status: 'refunded', refundedTotal: { amount: 4900, currency: 'EUR' } });
    const again = await business.admin.post(`/api/v1/clients/${client.id}/purchases/${purchaseId}/refund`, {});
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'purchase_refunded' });
  });

  it('records a webhook once across a crash of billing: Stripe delivers it again and nothing is doubled', async () => {
    const business = await connectedBusiness();
    const { id: productId } = await product(business);
    const { email, purchaseId, sessionId, ref } = await pendingPurchase(business, productId);
    const completed = signedWebhook(checkoutSessionEvent('checkout.session.completed', { ...ref, sessionId, amount: 4900 }), WEBHOOK_SECRET);
    const deployment = deployed.deployment;

    if (deployment.kill && deployment.restart) {
      // Billing down: no 2xx, so Stripe keeps the event and delivers it again later.
      await deployment.kill('billing');
      const whileDown = await deliver(completed);
      expect(whileDown.status).toBeGreaterThanOrEqual(500);
      expect(whileDown.body.code).toBe('unavailable');
      await deployment.restart('billing');
    }
    // Recorded, then the process dies before Stripe hears the answer: the same delivery again after the restart.
    expect((await deliver(completed)).status).toBe(200);
    if (deployment.kill && deployment.restart) {
      await deployment.kill('billing');
      await deployment.restart('billing');
    } else {
      await deployed.restart();
    }
    const retried = await eventually(() => deliver(completed), (r) => r.status === 200, { timeoutMs: 30_000, intervalMs: 500 });
    expect(retried.status).toBe(200);

    const client = await clientByEmail(business, email);
    await eventually(() => mails(email), (items) => items.length > 0, { timeoutMs: 20_000 });
    expect((await clientsNamed(business, email)).total).toBe(1);
    // The purchase is recorded on the profile just after the enrolment, on its own path from the invitation.
    expect((await eventually(() => business.admin.get(`/api/v1/clients/${client.id}/purchases`), (r) => r.body.items?.length >= 1)).body.items).toHaveLength(1);
    expect((await mails(email)).map((m) => m.kind)).toEqual(['invitation']);
    expect((await api().get(`/api/v1/checkout/purchases/${purchaseId}`)).body.status).toBe('completed');
  }, 150_000);
});
