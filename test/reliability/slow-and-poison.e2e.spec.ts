import type { DeadLetter, IntegrationEvent } from '@clientele/platform/bus';
import { randomUUID } from 'node:crypto';
import { BusInspector, runOps } from '../support/bus-inspector';
import { Deployment, separateProcesses } from '../support/deployments';
import { Api, Business, newClient, signUp, uniqueEmail } from '../support/http';
import { ClienteleProcess, spawnClientele, stopAll } from '../support/processes';
import { sleep, until as untilTruthy } from '../support/faults-load';
import { recordFault } from '../support/reliability-report';

/**
 * Issue 10, faults 5 and 6, with every service in its own process over NATS. The deployment runs
 * with a 2 s ack wait (CLIENTELE_BUS_ACK_WAIT_MS) and a dev mailbox that takes 6 s per mail
 * (CLIENTELE_DEV_MAILBOX_DELAY_MS, a slow mail provider), so the mail consumer is three times
 * slower than its ack wait.
 *
 * 5. Slow consumer: every invitation is sent exactly once, and so are the ones queued behind it;
 *    the server never redelivered one. Notifications runs two replicas here, as it may in
 *    production: the idle one always has a pull request waiting, so a delivery whose ack wait ran
 *    out would go to it while the first still works on it (with a single process the server has
 *    nobody to redeliver to until the handler is done). The handler's sign of life every third of
 *    the ack wait is what prevents that.
 * 6. Poison event: a purchase-completed event for a purchase billing never had (so the enrolment
 *    fails on every delivery: a missing purchase is normally billing's read model lagging, a
 *    transient failure) is published into billing's stream, with real purchases behind it. It
 *    lands in the dead letters after the consumer's bounded deliveries (10 for enrolment), the
 *    operator sees it with `ops dead-letters list`, and the purchases behind it are enrolled.
 *
 * The two run at the same time on different consumers: the poison's retries take about 40 s.
 */
// Not shorter: a sign of life comes every third of the ack wait, and a process descheduled for two
// of them on a loaded 2-core machine would see its message redelivered, which this suite forbids.
const ACK_WAIT_MS = 2000;
const MAIL_DELAY_MS = 6000;
/** `clients--billing`'s bound (clients.module.ts), retried after 200 ms, 1 s, then 5 s each. */
const ENROLMENT_MAX_DELIVERIES = 10;

let deployment: Deployment;
let api: Api;
let inspector: BusInspector;
let business: Business;
let productId: string;
let replica: ClienteleProcess | undefined;

beforeAll(async () => {
  deployment = separateProcesses({ CLIENTELE_BUS_ACK_WAIT_MS: String(ACK_WAIT_MS), CLIENTELE_DEV_MAILBOX_DELAY_MS: String(MAIL_DELAY_MS) });
  api = await deployment.start();
  inspector = await BusInspector.connect(deployment.namespace!);
  business = await signUp(api);
  productId = (await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 9900, currency: 'EUR' } })).body.id;
  expect(productId).toBeDefined();
}, 150_000);

afterAll(async () => {
  if (replica) await stopAll([replica]);
  await inspector?.close();
  await deployment?.stop();
  await deployment?.cleanup();
}, 60_000);

/** Polls every 250 ms: these waits span seconds (slow mails, retry delays). */
const until = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>) => untilTruthy(what, timeoutMs, probe, 250);

/** A service's DATA_DIR in the deployment (its SQLite files are in `<that>/<service>/`). */
const dataDirOf = (service: string) => deployment.dataDirOf!(service);


const mailsTo = async (email: string) =>
  (await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`)).body.items as Array<{ id: string; kind: string; sentAt: string }>;

const listClients = async () => (await business.admin.get('/api/v1/clients?pageSize=100')).body.items as Array<{ id: string; email: string }>;

/** Started by the first test, checked by the last: the poison's retries run meanwhile. */
let poison: { event: IntegrationEvent; injectedAt: number; buyers: string[]; acknowledgedAt: number } | undefined;

it('fault 6, injection: a poison purchase event goes into billing, real purchases behind it', async () => {
  const event: IntegrationEvent = {
    id: randomUUID(),
    subject: 'billing.purchase.completed.v1',
    occurredAt: new Date().toISOString(),
    data: {
      purchaseId: randomUUID(), // no such purchase: billing answers not_found, every time
      productId,
      accountId: business.accountId,
      clientType: 'full_access_one_way',
      amount: { amount: 9900, currency: 'EUR' },
      purchasedAt: new Date().toISOString(),
    },
    metadata: { correlationId: randomUUID(), causationId: randomUUID(), accountId: business.accountId },
  };
  const injectedAt = Date.now();
  await inspector.bus.publish(event);
  const buyers = Array.from({ length: 3 }, (_, i) => uniqueEmail(`behind-poison${i}`));
  for (const email of buyers) {
    const bought = await api.post('/api/v1/checkout', { productId, buyer: { firstName: 'Kim', lastName: 'Buyer', email } }, { 'idempotency-key': randomUUID() });
    expect(bought.status).toBe(201);
  }
  poison = { event, injectedAt, buyers, acknowledgedAt: Date.now() };
});

it('fault 5: a mail consumer three times slower than its ack wait sends each mail once, and the ones queued behind it', async () => {
  const consumer = () => inspector.consumer('identity', 'notifications--identity');
  // A second notifications replica: same data folder, same namespace, same durable consumers.
  replica = spawnClientele('notifications#2', {
    CLIENTELE_PROFILE: 'distributed',
    CLIENTELE_EVENT_STORE: 'sqlite',
    CLIENTELE_DOCUMENT_STORE: 'sqlite',
    CLIENTELE_MAIL: 'dev-mailbox',
    CLIENTELE_SERVICES: 'notifications',
    CLIENTELE_NATS_NAMESPACE: deployment.namespace!,
    CLIENTELE_BUS_ACK_WAIT_MS: String(ACK_WAIT_MS),
    CLIENTELE_DEV_MAILBOX_DELAY_MS: String(MAIL_DELAY_MS),
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    DATA_DIR: dataDirOf('notifications'),
    JWT_SECRET: randomUUID() + randomUUID(),
  });
  await until('both notifications replicas wait for mail requests', 60_000, async () => {
    if (replica!.child.exitCode !== null) throw new Error(`the replica exited:\n${replica!.output().slice(-3000)}`);
    return (await consumer()).waiting >= 2;
  });
  const requestedMails = async () => (await inspector.read('identity')).filter((e) => e.event.subject === 'identity.client-access.mail-requested.v1').length;
  expect((await consumer()).ackWaitMs).toBe(ACK_WAIT_MS);
  const before = { deliveries: (await consumer()).deliveries, requested: await requestedMails() };

  const clients = Array.from({ length: 4 }, () => newClient({ type: 'full_access' }));
  const started = Date.now();
  const added = await Promise.all(clients.map((client) => business.admin.post('/api/v1/clients', client)));
  for (const answer of added) expect(answer.status).toBe(201);
  for (const client of clients) await until(`an invitation to ${client.email}`, 4 * MAIL_DELAY_MS + 30_000, async () => (await mailsTo(client.email as string)).length > 0);
  const allSentMs = Date.now() - started;
  // Time for a redelivery, or a second mail, to show (several ack waits).
  await sleep(3 * ACK_WAIT_MS);
  // Compared when the consumer has nothing in hand, and nothing came between its two looks around
  // the count of mail requests: the enrolments behind the poison add mails at their own time.
  const idle = (state: Awaited<ReturnType<typeof consumer>>) => state.pending === 0 && state.ackPending === 0 && state.waiting === 2;
  const after = await until('the mail consumer is idle', 90_000, async () => {
    const first = await consumer();
    const requested = await requestedMails();
    const state = await consumer();
    return idle(first) && idle(state) && first.deliveries === state.deliveries ? { state, requested } : undefined;
  });
  const requested = after.requested - before.requested;
  const deliveries = after.state.deliveries - before.deliveries;

  const mails = await Promise.all(clients.map(async (client) => mailsTo(client.email as string)));
  const sentAt = mails
    .flat()
    .map((m) => Date.parse(m.sentAt))
    .sort((a, b) => a - b);
  const gaps = sentAt.slice(1).map((at, i) => at - sentAt[i]);
  console.log(`4 invitations, ${MAIL_DELAY_MS} ms each, ack wait ${ACK_WAIT_MS} ms: all sent within ${allSentMs} ms; gaps between mails ${gaps.join(', ')} ms; ${requested} mails requested meanwhile, ${deliveries} deliveries`);
  recordFault({
    fault: `consumer slower than its ack wait (mail ${MAIL_DELAY_MS} ms, ack wait ${ACK_WAIT_MS} ms)`,
    injected: clients.length,
    acknowledged: clients.length,
    found: mails.filter((m) => m.length >= 1).length,
    duplicates: mails.reduce((n, m) => n + Math.max(0, m.length - 1), 0),
    lost: mails.filter((m) => m.length === 0).length,
    note: `2 notifications replicas; ${deliveries} deliveries for ${requested} mail requests (${deliveries - requested} redelivered); mails ${Math.min(...gaps)}-${Math.max(...gaps)} ms apart, one at a time; all 4 sent within ${allSentMs} ms`,
  });

  for (const [i, client] of clients.entries()) expect({ to: client.email, mails: mails[i].map((m) => m.kind) }).toEqual({ to: client.email, mails: ['invitation'] });
  // The delay is real and the mails went one after the other: each took longer than the ack wait.
  for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(MAIL_DELAY_MS - 100);
  // The server delivered each mail request once: never redelivered while its handler ran.
  expect(requested).toBeGreaterThanOrEqual(clients.length);
  expect(deliveries).toBe(requested);
  expect(after.state.redelivered).toBe(0);
  expect(after.state.waiting).toBe(2); // both replicas are still there
}, 180_000);

it('fault 6: the poison lands in the dead letters after the bounded deliveries, and the purchases behind it are enrolled', async () => {
  expect(poison).toBeDefined();
  const { event, injectedAt, buyers, acknowledgedAt } = poison!;
  const durable = 'clients--billing';
  const letter = await until<DeadLetter>('the poison in the dead letters', 90_000, async () => (await inspector.deadLetters(durable)).find((l) => l.event.id === event.id));
  const deadAfterMs = Date.parse(letter.deadAt) - injectedAt;
  await until('the purchases behind the poison are enrolled', 30_000, async () => {
    const emails = new Set((await listClients()).map((c) => c.email));
    return buyers.every((email) => emails.has(email));
  });
  const enrolledAfterMs = Date.now() - acknowledgedAt;
  await sleep(1000); // room for a second enrolment to show

  // What the operator sees: `npm run ops -- dead-letters list`, with the deployment's settings.
  const settings = { namespace: deployment.namespace!, dataDir: dataDirOf('clients') };
  const listed = await runOps(['dead-letters', 'list', '--json'], settings);
  expect({ exitCode: listed.exitCode, stderr: listed.stderr }).toEqual({ exitCode: 0, stderr: expect.any(String) });
  const letters = JSON.parse(listed.stdout) as DeadLetter[];
  console.log(`ops dead-letters list: ${letters.map((l) => `${l.id} (${l.deliveries} deliveries): ${l.error}`).join('; ')}`);
  console.log(`poison dead after ${deadAfterMs} ms (${letter.deliveries} deliveries); the ${buyers.length} purchases behind it enrolled ${enrolledAfterMs} ms after they were acknowledged`);

  const clients = await listClients();
  const enrolled = buyers.map((email) => clients.filter((c) => c.email === email));
  const purchases = await Promise.all(enrolled.flat().map(async (c) => (await business.admin.get(`/api/v1/clients/${c.id}/purchases`)).body.items.length as number));
  const billing = await inspector.consumer('billing', durable);
  recordFault({
    fault: 'poison integration event (purchase billing never had) ahead of real purchases',
    injected: 1,
    acknowledged: buyers.length,
    found: enrolled.filter((e) => e.length >= 1).length,
    duplicates: enrolled.reduce((n, e) => n + Math.max(0, e.length - 1), 0) + purchases.reduce((n, p) => n + Math.max(0, p - 1), 0),
    lost: enrolled.filter((e) => e.length === 0).length,
    note: `dead-lettered after ${letter.deliveries} deliveries, ${Math.round(deadAfterMs / 1000)} s after injection (retry delays 0.2, 1, then 5 s); the purchases behind it waited for that (one message at a time, in order), then were enrolled ${Math.round(enrolledAfterMs / 1000)} s after checkout; listed by ops dead-letters list`,
  });

  expect(letters).toEqual([
    expect.objectContaining({ id: `${durable}.${event.id}`, durableName: durable, deliveries: ENROLMENT_MAX_DELIVERIES, event: expect.objectContaining({ id: event.id, subject: event.subject }) }),
  ]);
  expect(letters[0].error).toMatch(/not_found|no purchase|not found/i);
  for (const [i, email] of buyers.entries()) expect({ email, enrolled: enrolled[i].length }).toEqual({ email, enrolled: 1 });
  expect(purchases).toEqual(buyers.map(() => 1));
  // Nothing of the poison's made it anywhere: no client for it, and the consumer holds nothing.
  expect(clients.some((c) => c.email === undefined)).toBe(false);
  expect({ pending: billing.pending, ackPending: billing.ackPending }).toEqual({ pending: 0, ackPending: 0 });
}, 150_000);
