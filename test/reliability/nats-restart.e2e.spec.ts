import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distributedSettings, newNamespace } from '../support/deployments';
import { Api, ApiResponse, Business, listAllClients, newClient, signUp, uniqueEmail } from '../support/http';
import { PrivateNatsServer, startNatsServer } from '../support/nats-server';
import { poll, sleep, timed as timedRequest } from '../support/faults-load';
import { recordFault } from '../support/reliability-report';
import { ClienteleProcess, freePort, spawnClientele, stopAll, waitUntilHealthy } from '../support/processes';

/**
 * Issue 10, fault 2: NATS restarts under load. Every service runs in its own process over a private
 * NATS server (its own port and JetStream store, never the shared one), which is SIGKILLed while
 * purchases keep coming and then started again on the same port and store.
 *
 * - While it is down, every request answers 503 `unavailable` (problem+json) within the request
 *   timeout plus a margin: no hang, no 500.
 * - Integration events published before the outage but not yet consumed (purchases -> enrolment,
 *   full-access clients -> invitation) are delivered after it, exactly once, and soon: within
 *   DELIVERED_WITHIN_MS of the restart. A server killed just after a consumer's acknowledgement
 *   can come back believing that message unacknowledged; consumers take one message at a time, so
 *   it used to hold up everything behind it for the 30 s ack wait. Consumers now acknowledge their
 *   recent messages again on reconnect, and the ack wait is 5 s (DEFAULT_ACK_WAIT_MS) for a
 *   delivery that never reached its consumer.
 * - Every purchase acknowledged with 201 enrols its buyer exactly once; a purchase that answered 503
 *   may or may not have happened, but never twice.
 */
const REQUEST_TIMEOUT_MS = 2000;
// The margin is for a loaded 2-core machine (another suite may be starting 14 processes); a hang is far longer.
const FAIL_FAST_MS = REQUEST_TIMEOUT_MS + 4000;
const SERVICES = ['gateway', 'identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications'];
/**
 * From the restart until every acknowledged buyer is enrolled and invited: at worst one 5 s ack
 * wait (the chain billing -> clients -> identity -> notifications waits in parallel, not in turn,
 * since each consumer's held message dates from before the kill), plus reconnecting (0.5-1 s),
 * the load's last purchases (it stops about 1 s after the API is back) and the backlog on this
 * shared 2-core machine. Measured: 2-4 s. The bound is wide for a loaded machine, and still
 * below the old 30 s ack wait that this guards against.
 */
const DELIVERED_WITHIN_MS = 25_000;

let nats: PrivateNatsServer;
let processes: ClienteleProcess[] = [];
let dataRoot: string;
let api: Api;

/** Times a request; a request that hangs is cut off (and reported as status 0) well past the bound. */
const timed = (call: () => Promise<ApiResponse>) => timedRequest(call, FAIL_FAST_MS * 3);

beforeAll(async () => {
  nats = await startNatsServer();
  dataRoot = mkdtempSync(join(tmpdir(), 'clientele-e2e-nats-restart-'));
  const port = await freePort();
  const common = {
    ...distributedSettings(newNamespace()),
    CLIENTELE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    // The suite's own NATS server, which it stops and starts again.
    NATS_URL: nats.url,
    JWT_SECRET: randomUUID() + randomUUID(),
    PORT: String(port),
  };
  processes = SERVICES.map((service) => spawnClientele(service, { ...common, CLIENTELE_SERVICES: service, DATA_DIR: join(dataRoot, service) }));
  api = new Api(`http://127.0.0.1:${port}`);
  await waitUntilHealthy(api, processes);
}, 150_000);

afterAll(async () => {
  await stopAll(processes);
  await nats?.cleanup();
  if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
}, 60_000);

it('fails fast with 503 while NATS is down and delivers the integration events after its restart', async () => {
  const business: Business = await signUp(api);
  const product = (await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 9900, currency: 'EUR' } })).body;
  expect(product.id).toBeDefined();
  const buy = (email: string) =>
    api.post('/api/v1/checkout', { productId: product.id, buyer: { firstName: 'Kim', lastName: 'Buyer', email } }, { 'idempotency-key': randomUUID() });

  // Load: purchases one after the other until told to stop, across the kill and the restart.
  const purchases: Array<{ email: string; status: number; ms: number; body: unknown }> = [];
  let loading = true;
  const load = (async () => {
    for (let i = 0; loading; i++) {
      const email = uniqueEmail(`load${i}`);
      const { ms, response } = await timed(() => buy(email));
      purchases.push({ email, status: response.status, ms, body: response.body });
      await sleep(150);
    }
  })();

  await poll('the load runs', 20_000, async () => (purchases.filter((p) => p.status === 201).length >= 5 ? true : undefined));

  // Just before the outage: purchases and full-access clients whose integration events are most
  // likely published but not yet consumed when NATS dies.
  const buyersBefore = Array.from({ length: 8 }, (_, i) => uniqueEmail(`before${i}`));
  const clientsBefore = Array.from({ length: 4 }, () => newClient());
  const [boughtBefore, addedBefore] = await Promise.all([
    Promise.all(buyersBefore.map(buy)),
    Promise.all(clientsBefore.map((client) => business.admin.post('/api/v1/clients', client))),
  ]);
  for (const answer of boughtBefore) expect(answer.status).toBe(201);
  for (const answer of addedBefore) expect(answer.status).toBe(201);
  await nats.stop('SIGKILL');
  const killedAt = Date.now();

  // During the outage: every request fails fast with 503 unavailable.
  const during = [
    { name: 'GET /api/v1/clients', call: () => business.admin.get('/api/v1/clients') },
    { name: 'POST /api/v1/clients', call: () => business.admin.post('/api/v1/clients', newClient()) },
    { name: 'POST /api/v1/checkout', call: () => buy(uniqueEmail('during')) },
    { name: 'POST /api/v1/auth/login', call: () => api.post('/api/v1/auth/login', { email: business.email, password: 'correct horse battery' }) },
    { name: 'GET /api/v1/products', call: () => business.admin.get('/api/v1/products') },
  ];
  const outcomes = [
    ...(await Promise.all(during.map(async ({ name, call }) => ({ name, ...(await timed(call)) })))),
    // Once more in a row, now that the processes have surely noticed the disconnection.
    ...(await Promise.all(during.map(async ({ name, call }) => ({ name: `${name} (again)`, ...(await timed(call)) })))),
  ];
  const summary = outcomes.map(({ name, ms, response }) => `${name}: ${response.status} ${JSON.stringify(response.body)} in ${ms} ms`);
  console.log(`during the outage:\n${summary.join('\n')}`);
  for (const { name, ms, response } of outcomes) {
    expect({ name, status: response.status, code: response.body?.code }).toEqual({ name, status: 503, code: 'unavailable' });
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(ms).toBeLessThan(FAIL_FAST_MS);
  }
  const health = await timed(() => api.get('/health'));
  expect(health.response.status).toBe(503);
  expect(health.ms).toBeLessThan(FAIL_FAST_MS);
  // Let the load run into the outage for a little longer.
  await sleep(Math.max(0, 1000 - (Date.now() - killedAt)));

  await nats.restart();
  const restartedAt = Date.now();
  await poll('the API answers again after the restart', 30_000, async () => ((await business.admin.get('/api/v1/clients')).status === 200 ? true : undefined));
  const recoveredMs = Date.now() - restartedAt;
  await poll('purchases succeed again after the restart', 30_000, async () => (purchases.slice(-1)[0]?.status === 201 && purchases.length > 0 ? true : undefined));
  await sleep(500);
  loading = false;
  await load;

  // Every purchase answered 201 or 503 unavailable, never 500, never past the bound.
  const unexpected = purchases.filter((p) => p.status !== 201 && !(p.status === 503 && (p.body as { code?: string })?.code === 'unavailable'));
  expect(unexpected).toEqual([]);
  expect(purchases.filter((p) => p.ms >= FAIL_FAST_MS)).toEqual([]);
  const acknowledged = [...buyersBefore, ...purchases.filter((p) => p.status === 201).map((p) => p.email)];
  const refused = purchases.filter((p) => p.status === 503).map((p) => p.email);
  console.log(
    `load: ${purchases.length} purchases, ${acknowledged.length - buyersBefore.length} acknowledged, ${refused.length} refused with 503; API back ${recoveredMs} ms after the restart`,
  );

  // Integration events from before (and during) the outage are delivered after it, exactly once.
  const phase = Date.now();
  const listClients = () => listAllClients(business.admin);
  const addedEmails = clientsBefore.map((c) => c.email as string);
  // A wide poll, so that a slow recovery shows its figure; the bound is asserted below.
  await poll('every acknowledged buyer is enrolled', 40_000, async () => {
    const emails = new Set((await listClients()).map((c) => c.email));
    return acknowledged.every((email) => emails.has(email)) ? true : undefined;
  });
  const enrolledMs = Date.now() - phase;
  const mailsTo = async (email: string) => (await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`)).body.items as Array<{ kind: string }>;
  for (const email of [...acknowledged, ...addedEmails]) {
    await poll(`an invitation to ${email}`, 20_000, async () => ((await mailsTo(email)).length > 0 ? true : undefined));
  }
  const deliveredMs = Date.now() - restartedAt;
  console.log(`after the load stopped: buyers enrolled within ${enrolledMs} ms, invitations within ${Date.now() - phase} ms; all delivered ${deliveredMs} ms after the restart`);
  await sleep(1000); // room for a duplicate to show up
  const clients = await listClients();
  const count = (email: string) => clients.filter((c) => c.email === email).length;
  const expectedOnce = [...acknowledged, ...addedEmails];
  const mailCounts = await Promise.all(expectedOnce.map(async (email) => (await mailsTo(email)).length));
  recordFault({
    fault: 'NATS SIGKILL under load, restarted on its store',
    injected: 1,
    acknowledged: expectedOnce.length,
    found: expectedOnce.filter((email) => count(email) >= 1).length,
    duplicates: expectedOnce.reduce((n, email) => n + Math.max(0, count(email) - 1), 0) + mailCounts.reduce((n, mails) => n + Math.max(0, mails - 1), 0),
    lost: expectedOnce.filter((email) => count(email) === 0).length,
    note: `${refused.length} requests answered 503 during the outage, none 500; API back ${recoveredMs} ms after the restart; every enrolment and invitation done ${deliveredMs} ms after it`,
  });
  expect(deliveredMs).toBeLessThan(DELIVERED_WITHIN_MS);
  for (const email of [...acknowledged, ...addedEmails]) expect({ email, enrolled: count(email) }).toEqual({ email, enrolled: 1 });
  for (const email of refused) expect(count(email)).toBeLessThanOrEqual(1);
  for (const email of [...acknowledged, ...addedEmails]) expect({ email, mails: (await mailsTo(email)).map((m) => m.kind) }).toEqual({ email, mails: ['invitation'] });
  for (const email of acknowledged) {
    const client = clients.find((c) => c.email === email)!;
    expect((await business.admin.get(`/api/v1/clients/${client.id}/purchases`)).body.items).toHaveLength(1);
  }
  for (const email of refused) {
    const client = clients.find((c) => c.email === email);
    if (client) {
      expect((await business.admin.get(`/api/v1/clients/${client.id}/purchases`)).body.items).toHaveLength(1);
      expect((await mailsTo(email)).length).toBeLessThanOrEqual(1);
    }
  }
}, 100_000);
