import { randomUUID } from 'node:crypto';
import { Deployment, deployedForSuite, separateProcesses, singleProcess } from './support/deployments';
import { eventually } from './support/eventually';
import { Business, addCoach, signUp, uniqueEmail } from './support/http';
import { StripeStandIn, chargeRefundedEvent, checkoutSessionEvent, signedWebhook } from './support/stripe-stand-in';

/**
 * Issue 22: "A refund shows in Finances." Every purchase of a client's is in Finances (a session
 * pack as its bundle, any other product as a payment of its own), and so is every refund, whether
 * it was made from Clientele or in Stripe's dashboard, whatever order Stripe's events come in. A
 * session pack's bundle refunded from Finances goes back through its purchase, the way it was
 * paid. In one process and as separate processes over NATS; Stripe is the local stand-in.
 */

const WEBHOOK = '/api/v1/payments/stripe/webhook';
const SECRET_KEY = `sk_test_${randomUUID().replace(/-/g, '')}`;
const WEBHOOK_SECRET = `whsec_${randomUUID().replace(/-/g, '')}`;
const eur = (amount: number) => ({ amount, currency: 'EUR' });

let standIn: StripeStandIn;
beforeAll(async () => {
  standIn = await StripeStandIn.start();
});
afterAll(() => standIn?.close());

const MODES: Array<[string, () => Deployment]> = [
  ['in one process', () => singleProcess({ STRIPE_API_URL: standIn.url })],
  ['as separate processes over NATS', () => separateProcesses({ STRIPE_API_URL: standIn.url })],
];

type Payment = { kind: string; status: string; amount: { amount: number }; refunded?: { amount: number } | null; purchaseId?: string | null; bundleId: string | null; productName?: string | null };

describe.each(MODES)('Finances of purchases and refunds %s', (_mode, deploy) => {
  const deployed = deployedForSuite(deploy, 240_000);
  const api = () => deployed.api;

  const deliver = (signed: { body: string; signature: string }) =>
    api().call<unknown>('POST', WEBHOOK, signed.body, { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signed.signature });

  async function product(business: Business, body: Record<string, unknown>) {
    const created = await business.admin.post('/api/v1/products', { clientType: 'full_access', ...body });
    expect(created.status).toBe(201);
    return created.body as { id: string };
  }

  const buy = (productId: string, email: string) => api().post('/api/v1/checkout', { productId, buyer: { firstName: 'Fin', lastName: 'Buyer', email } }, { 'idempotency-key': randomUUID() });

  const clientByEmail = (business: Business, email: string) =>
    eventually(async () => (await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`)).body.items[0] as { id: string } | undefined, (c) => c !== undefined, {
      timeoutMs: 30_000,
    }) as Promise<{ id: string }>;

  const payments = async (business: Business, clientId: string) => (await business.admin.get(`/api/v1/clients/${clientId}/payments`)).body.items as Payment[];
  const summary = async (business: Business, clientId: string) => (await business.admin.get(`/api/v1/clients/${clientId}/payments/summary`)).body;
  const paymentsUntil = (business: Business, clientId: string, done: (items: Payment[]) => boolean) => eventually(() => payments(business, clientId), done, { timeoutMs: 30_000 });

  /** Pays a started Stripe checkout: the session paid at the stand-in, and its signed completed webhook delivered. */
  async function payAtStripe(business: Business, productId: string, purchaseId: string, amount: number) {
    const session = [...standIn.sessions.values()].find((s) => s.client_reference_id === purchaseId)!;
    const paid = standIn.pay(session.id as string);
    const paymentIntentId = paid.payment_intent as string;
    const event = checkoutSessionEvent('checkout.session.completed', { purchaseId, accountId: business.accountId, productId, sessionId: session.id as string, paymentIntentId, amount });
    expect((await deliver(signedWebhook(event, WEBHOOK_SECRET))).status).toBe(200);
    return paymentIntentId;
  }

  it('shows products paid at once, and their refunds, in Finances; a session pack is refunded through its purchase', async () => {
    // No Stripe connected, outside production: paid at once.
    const business = await signUp(api());
    const plan = await product(business, { name: 'Meal plan', price: eur(3000) });
    const pack = await product(business, { name: '5-session pack', price: eur(20000), sessionPack: { sessions: 5, validForDays: null } });
    const email = uniqueEmail('finances');
    expect((await buy(plan.id, email)).status).toBe(201);
    const client = await clientByEmail(business, email);
    const planRows = await paymentsUntil(business, client.id, (items) => items.length === 1);
    const planPurchaseId = planRows[0].purchaseId!;
    expect(planRows).toEqual([expect.objectContaining({ kind: 'purchase', productName: 'Meal plan', status: 'paid', amount: eur(3000), bundleId: null, purchaseId: expect.any(String) })]);
    expect(await summary(business, client.id)).toMatchObject({ revenue: eur(3000), outstanding: eur(0), lastPayment: { kind: 'purchase', purchaseId: planPurchaseId, amount: eur(3000) } });

    // The same buyer buys the pack: its bundle is its row (not a second row for the purchase).
    expect((await buy(pack.id, email)).status).toBe(201);
    // The bundle's row shows paid from its first appearance (the projection commits it so).
    const both = await paymentsUntil(business, client.id, (items) => items.length === 2);
    const bundleRow = both.find((p) => p.kind === 'bundle')!;
    expect(bundleRow).toMatchObject({ status: 'paid', amount: eur(20000), purchaseId: expect.any(String) });
    expect((await summary(business, client.id)).revenue).toEqual(eur(23000));

    // Refunding the product (Purchases' route): paid at once, refunded at once; Finances follows billing's event.
    const refunded = await business.admin.post(`/api/v1/clients/${client.id}/purchases/${planPurchaseId}/refund`, {});
    expect(refunded.body).toMatchObject({ purchaseId: planPurchaseId, status: 'refunded', amount: eur(3000) });
    await paymentsUntil(business, client.id, (items) => items.find((p) => p.kind === 'purchase')?.status === 'refunded');
    expect((await summary(business, client.id)).revenue).toEqual(eur(20000));

    // Refunding the pack's bundle from Finances goes through its purchase: billing records it, and so does the bundle.
    const bundleRefund = await business.admin.post(`/api/v1/clients/${client.id}/programs/${bundleRow.bundleId}/refund`, {});
    expect(bundleRefund.status).toBe(200);
    expect(bundleRefund.body).toMatchObject({ id: bundleRow.bundleId, payment: { status: 'refunded' }, refund: { status: 'refunded', amount: eur(20000) } });
    expect((await business.admin.get(`/api/v1/clients/${client.id}/purchases/${bundleRow.purchaseId}`)).body).toMatchObject({ status: 'refunded', refundedTotal: eur(20000) });
    expect((await summary(business, client.id)).revenue).toEqual(eur(0));
    // Billing's own refund event comes too, later: nothing is counted twice.
    await eventually(() => summary(business, client.id), (s) => s.revenue.amount === 0, { timeoutMs: 5_000 });
    const again = await business.admin.post(`/api/v1/clients/${client.id}/programs/${bundleRow.bundleId}/refund`, {});
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'payment_not_refundable' });

    // The client's own coach, without manage_products, cannot send a pack's money back.
    const coach = await addCoach(business, []);
    expect((await business.admin.put(`/api/v1/clients/${client.id}/coach`, { coachId: coach.id })).status).toBe(200);
    const again2 = await buy(pack.id, email);
    expect(again2.status).toBe(201);
    const second = (
      await paymentsUntil(business, client.id, (items) => items.filter((p) => p.kind === 'bundle').length === 2 && items.some((p) => p.kind === 'bundle' && p.status === 'paid'))
    ).find((p) => p.kind === 'bundle' && p.status === 'paid')!;
    const forbidden = await coach.api.post(`/api/v1/clients/${client.id}/programs/${second.bundleId}/refund`, {});
    expect({ status: forbidden.status, code: forbidden.body.code }).toEqual({ status: 403, code: 'forbidden' });
    expect(forbidden.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await payments(business, client.id)).find((p) => p.bundleId === second.bundleId)?.status).toBe('paid');
  }, 180_000);

  it('shows a Stripe refund made in part, and a pack refunded from Finances once Stripe confirms it', async () => {
    const business = await signUp(api());
    expect((await business.admin.put('/api/v1/account/payments/stripe', { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET })).status).toBe(200);
    const plan = await product(business, { name: 'Coaching month', price: eur(4900) });
    const email = uniqueEmail('stripe-finances');
    const bought = await buy(plan.id, email);
    const purchaseId = bought.body.purchaseId as string;
    const paymentIntentId = await payAtStripe(business, plan.id, purchaseId, 4900);
    const client = await clientByEmail(business, email);
    await paymentsUntil(business, client.id, (items) => items.length === 1);
    expect((await summary(business, client.id)).revenue).toEqual(eur(4900));

    // Refunded in part in Stripe's dashboard: charge.refunded says so (twice: Stripe retries).
    const partial = signedWebhook(chargeRefundedEvent({ purchaseId, accountId: business.accountId, productId: plan.id, amount: 4900, amountRefunded: 1000, paymentIntentId, refundId: 're_part' }), WEBHOOK_SECRET);
    expect((await deliver(partial)).status).toBe(200);
    expect((await deliver(partial)).status).toBe(200);
    const [row] = await paymentsUntil(business, client.id, (items) => items[0]?.refunded?.amount === 1000);
    expect(row).toMatchObject({ kind: 'purchase', status: 'paid', amount: eur(4900), refunded: eur(1000) });
    expect((await summary(business, client.id)).revenue).toEqual(eur(3900));

    // A session pack bought through Stripe, refunded from Finances: Stripe is asked, with the purchase's idempotency key.
    const pack = await product(business, { name: '3-session pack', price: eur(15000), sessionPack: { sessions: 3, validForDays: 30 } });
    const packPurchase = (await buy(pack.id, email)).body.purchaseId as string;
    const packIntent = await payAtStripe(business, pack.id, packPurchase, 15000);
    const rows = await paymentsUntil(business, client.id, (items) => items.some((p) => p.kind === 'bundle' && p.status === 'paid'));
    const bundle = rows.find((p) => p.kind === 'bundle')!;
    const key = randomUUID();
    const asked = await business.admin.post(`/api/v1/clients/${client.id}/programs/${bundle.bundleId}/refund`, {}, { 'idempotency-key': key });
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ payment: { status: 'paid' }, refund: { status: 'requested', amount: eur(15000) } });
    const refundRequests = () => standIn.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds' && r.body.payment_intent === packIntent);
    expect(refundRequests()).toHaveLength(1);
    expect(refundRequests()[0]).toMatchObject({ idempotencyKey: `clientele-refund-${packPurchase}-1`, body: { amount: '15000' } });
    // Not refunded until Stripe confirms it.
    expect((await payments(business, client.id)).find((p) => p.kind === 'bundle')?.status).toBe('paid');
    const confirmed = signedWebhook(chargeRefundedEvent({ purchaseId: packPurchase, accountId: business.accountId, productId: pack.id, amount: 15000, amountRefunded: 15000, paymentIntentId: packIntent }), WEBHOOK_SECRET);
    expect((await deliver(confirmed)).status).toBe(200);
    await paymentsUntil(business, client.id, (items) => items.find((p) => p.kind === 'bundle')?.status === 'refunded');
    expect((await summary(business, client.id)).revenue).toEqual(eur(3900));
  }, 180_000);

  it("shows a refund that Stripe sent before the payment, once the buyer is a client", async () => {
    const business = await signUp(api());
    expect((await business.admin.put('/api/v1/account/payments/stripe', { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET })).status).toBe(200);
    const plan = await product(business, { name: 'Mobility course', price: eur(2500) });
    const email = uniqueEmail('early-refund');
    const purchaseId = (await buy(plan.id, email)).body.purchaseId as string;
    const session = [...standIn.sessions.values()].find((s) => s.client_reference_id === purchaseId)!;
    const paymentIntentId = standIn.pay(session.id as string).payment_intent as string;
    const refund = chargeRefundedEvent({ purchaseId, accountId: business.accountId, productId: plan.id, amount: 2500, amountRefunded: 2500, paymentIntentId });
    expect((await deliver(signedWebhook(refund, WEBHOOK_SECRET))).status).toBe(200);
    const completed = checkoutSessionEvent('checkout.session.completed', { purchaseId, accountId: business.accountId, productId: plan.id, sessionId: session.id as string, paymentIntentId, amount: 2500 });
    expect((await deliver(signedWebhook(completed, WEBHOOK_SECRET))).status).toBe(200);
    const client = await clientByEmail(business, email);
    const [row] = await paymentsUntil(business, client.id, (items) => items[0]?.status === 'refunded');
    expect(row).toMatchObject({ kind: 'purchase', purchaseId, status: 'refunded', refunded: eur(2500) });
    expect((await summary(business, client.id)).revenue).toEqual(eur(0));
  }, 180_000);
});
