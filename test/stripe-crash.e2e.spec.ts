import { deterministicEventId } from '@clientele/platform/application';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployedForSuite, separateProcesses } from './support/deployments';
import { eventually } from './support/eventually';
import { EventLog, readServiceDocuments } from './support/faults-stores';
import { Business, signUp, uniqueEmail } from './support/http';
import { StripeStandIn, checkoutSessionEvent, signedWebhook } from './support/stripe-stand-in';

/**
 * Issue 22: "a crash of the billing process between recording and answering (Stripe retries, and
 * nothing is doubled)". Every service in its own process over NATS; billing is armed with the
 * crash point `billing.provider-event-recorded` (CLIENTELE_CRASH_ONCE, see
 * libs/platform/config/src/crash-points.ts): the first Stripe event it records, it appends durably
 * and then dies by SIGKILL before answering. So the webhook gets no 2xx and Stripe delivers the
 * event again (signed anew, same event id) once billing is back: 2xx, and the buyer is a client
 * once, with one purchase and one invitation, the purchase recorded once.
 */

const SECRET_KEY = `sk_test_${randomUUID().replace(/-/g, '')}`;
const WEBHOOK_SECRET = `whsec_${randomUUID().replace(/-/g, '')}`;
const CRASH_POINT = 'billing.provider-event-recorded';

const markerDir = mkdtempSync(join(tmpdir(), 'clientele-e2e-stripe-crash-'));
/** Written by billing just before it kills itself: proof that the crash point was reached. */
const marker = join(markerDir, 'billing-crashed');

let standIn: StripeStandIn;
beforeAll(async () => {
  standIn = await StripeStandIn.start();
});
afterAll(() => {
  standIn?.close();
  rmSync(markerDir, { recursive: true, force: true });
});

// Every process gets the setting; only billing has the crash point.
const deployed = deployedForSuite(() => separateProcesses({ STRIPE_API_URL: standIn.url, CLIENTELE_CRASH_ONCE: `${CRASH_POINT}:${marker}` }), 240_000);

/** Whether a process of this machine still exists (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

it('records a paid webhook once across a crash of billing between recording and answering: no 2xx, Stripe retries, nothing is doubled', async () => {
  const api = deployed.api;
  const deployment = deployed.deployment;
  // Set below: where this business's Stripe delivers (the URL its Payments settings show).
  let webhookPath = '';
  /** Sends a webhook as Stripe does: the signed bytes, application/json, the Stripe-Signature header. */
  const deliver = (signed: { body: string; signature: string }) =>
    api.call<any>('POST', webhookPath, signed.body, { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signed.signature });
  const mails = async (to: string) => (await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`)).body.items as Array<{ kind: string }>;
  const clientsNamed = async (business: Business, email: string) => (await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`)).body;

  // A business sells through Stripe; a buyer checks out and pays at Stripe's page.
  const business = await signUp(api);
  expect((await business.admin.put('/api/v1/account/payments/stripe', { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET })).status).toBe(200);
  const settings = await business.admin.get('/api/v1/account/payments');
  webhookPath = new URL(settings.body.webhookUrl as string).pathname;
  expect(webhookPath).toMatch(/^\/api\/v1\/payments\/stripe\/webhook(\/|$)/);
  const product = await business.admin.post('/api/v1/products', { name: 'Strength block', price: { amount: 4900, currency: 'EUR' }, clientType: 'full_access' });
  expect(product.status).toBe(201);
  const productId = product.body.id as string;
  const email = uniqueEmail('stripe-crash');
  const bought = await api.post('/api/v1/checkout', { productId, buyer: { firstName: 'Bea', lastName: 'Buyer', email } }, { 'idempotency-key': randomUUID() });
  expect(bought.status).toBe(201);
  expect(bought.body.status).toBe('pending_payment');
  const purchaseId = bought.body.purchaseId as string;
  const session = [...standIn.sessions.values()].find((s) => s.client_reference_id === purchaseId)!;
  const paymentIntentId = standIn.pay(session.id as string).payment_intent as string;
  const event = checkoutSessionEvent('checkout.session.completed', { purchaseId, accountId: business.accountId, productId, sessionId: session.id as string, paymentIntentId, amount: 4900 });
  const eventId = event.id as string;

  // Billing records the event, then dies before it answers: the webhook gets no 2xx.
  expect(existsSync(marker)).toBe(false);
  const first = await deliver(signedWebhook(event, WEBHOOK_SECRET));
  expect({ status: first.status, code: first.body.code }).toEqual({ status: 503, code: 'unavailable' });
  expect(first.headers.get('content-type')).toContain('application/problem+json');
  expect(first.body.detail).toMatch(/billing service/);
  // It really died there, by itself: the marker it wrote just before its SIGKILL names its process, which is gone.
  // (Polled: on a loaded machine billing may get there only after the gateway has given up waiting.)
  expect(await eventually(async () => existsSync(marker), (written) => written, { timeoutMs: 60_000, intervalMs: 250 })).toBe(true);
  const crashed = /^billing\.provider-event-recorded crashed process (\d+) at /.exec(readFileSync(marker, 'utf8'));
  expect(crashed).not.toBeNull();
  const pid = Number(crashed![1]);
  expect(await eventually(async () => alive(pid), (isAlive) => !isAlive, { timeoutMs: 30_000 })).toBe(false);

  // Billing comes back on the same data. kill() of a process that is already dead only takes it off the deployment's list.
  await deployment.kill!('billing');
  await deployment.restart!('billing');

  // Stripe delivers the event again, signed anew (a fresh timestamp) with the same event id: now 2xx.
  const retried = await deliver(signedWebhook(JSON.parse(JSON.stringify(event)), WEBHOOK_SECRET));
  expect({ status: retried.status, body: retried.body }).toEqual({ status: 200, body: { received: true } });

  // The buyer becomes a client once, with one purchase, and is invited once.
  const client = await eventually(async () => (await clientsNamed(business, email)).items[0], (found) => found !== undefined, { timeoutMs: 60_000, intervalMs: 250 });
  expect(client).toMatchObject({ email, type: 'full_access', status: 'active' });
  const purchase = await eventually(() => api.get(`/api/v1/checkout/purchases/${purchaseId}`), (r) => r.body.enrolment === 'enrolled', { timeoutMs: 60_000, intervalMs: 250 });
  expect(purchase.body).toEqual({ purchaseId, productId, status: 'completed', enrolment: 'enrolled' });
  await eventually(() => mails(email), (items) => items.length > 0, { timeoutMs: 60_000, intervalMs: 250 });
  expect((await mails(email)).map((m) => m.kind)).toEqual(['invitation']);
  // A third delivery (Stripe may retry once more before it saw the 2xx): 2xx again, and nothing happens.
  expect((await deliver(signedWebhook(event, WEBHOOK_SECRET))).status).toBe(200);
  expect((await clientsNamed(business, email)).total).toBe(1);
  // The purchase is recorded on the profile just after the enrolment, on its own path from the invitation.
  expect((await eventually(() => business.admin.get(`/api/v1/clients/${client.id}/purchases`), (r) => r.body.items?.length >= 1)).body.items).toHaveLength(1);
  expect((await api.get(`/api/v1/checkout/purchases/${purchaseId}`)).body).toEqual({ purchaseId, productId, status: 'completed', enrolment: 'enrolled' });

  // The record of it all, read from the stores once every process has stopped (nothing can still be on its way then):
  // billing appended the payment once, under the Stripe event's command id (what makes a redelivery append nothing);
  // the buyer was enrolled once, invited once, and one invitation mail was sent.
  await deployment.stop();
  const billing = await EventLog.of(deployment.dataDirOf!('billing'), 'billing');
  const purchaseEvents = billing.stream(`purchase-${purchaseId}`);
  expect(purchaseEvents.map((e) => e.type)).toEqual(['CheckoutStarted', 'ProductPurchased']);
  expect(purchaseEvents[1].id).toBe(deterministicEventId(`purchase-${purchaseId}`, `stripe-event:${eventId}`, 0));
  expect(purchaseEvents[1].data).toMatchObject({ purchaseId, providerEventId: eventId, paymentIntentId });
  const clients = await EventLog.of(deployment.dataDirOf!('clients'), 'clients');
  expect(clients.events.filter((e) => e.type === 'ClientEnrolled' && (e.data as { clientId?: string }).clientId === client.id)).toHaveLength(1);
  const identity = await EventLog.of(deployment.dataDirOf!('identity'), 'identity');
  expect(identity.count(`clientlogin-${client.id}`, 'ClientInvitationIssued')).toBe(1);
  const sent = await readServiceDocuments<{ id: string; toKey: string; kind: string }>(deployment.dataDirOf!('notifications'), 'notifications', 'dev_mailbox');
  expect(sent.filter((m) => m.toKey === email.toLowerCase()).map((m) => m.kind)).toEqual(['invitation']);
}, 300_000);
