import { subjectMatches } from '@clientele/platform/bus';
import { randomUUID } from 'node:crypto';
import { BusInspector, ConsumerState, EVENT_SOURCED, StoredIntegrationEvent, eventStoreHeads, shuffled } from '../support/bus-inspector';
import { Deployment, separateProcesses } from '../support/deployments';
import { Api, Business, PASSWORD, addCoach, login, mailToken, newClient, signUp, uniqueEmail } from '../support/http';
import { until } from '../support/faults-load';
import { recordFault } from '../support/reliability-report';

/**
 * Issue 10, fault 3: redelivery and duplicates, with every service in its own process over NATS.
 *
 * A business goes through a history that makes every consumer of the system work: invitations,
 * an accepted invitation, type changes that revoke and restore access, a reassignment, messages,
 * login links and password resets, purchases by new buyers and by an existing offline client, a
 * buyer on the waiting list promoted when a seat frees up, a deleted client, a seat-limit change.
 *
 * Then every integration event of every service's JetStream stream is published twice more with a
 * fresh `Nats-Msg-Id` (the event and its id unchanged), so the server's duplicate window cannot drop
 * them and every durable consumer really receives them again: first each stream backwards, then
 * all of them shuffled. A duplicate of an event already handled may come in any order (an outbox
 * re-publishing after a crash, past the duplicate window, sends old events after newer ones).
 *
 * What a user or an operator can see must not change: the clients, their profiles, histories,
 * purchases and threads, the seats, the products, every mailbox, the client app's answers to the
 * tokens in hand, the dead letters, and each service's event store (no new domain event). The
 * streams hold exactly the re-published messages more: nothing reacted by publishing.
 */
let deployment: Deployment;
let api: Api;
let inspector: BusInspector;

beforeAll(async () => {
  deployment = separateProcesses();
  api = await deployment.start();
  inspector = await BusInspector.connect(deployment.namespace!);
}, 150_000);

afterAll(async () => {
  await inspector?.close();
  await deployment?.stop();
  await deployment?.cleanup();
}, 60_000);

/** A service's DATA_DIR in the deployment (its SQLite files are in `<that>/<service>/`). */
const dataDirOf = (service: string) => deployment.dataDirOf!(service);


interface History {
  business: Business;
  /** Every address that may have received mail. */
  addresses: string[];
  /** Client app tokens in hand, some alive and some revoked. */
  tokens: Record<string, string>;
}

/** The history, through the API only. */
async function live(): Promise<History> {
  const business = await signUp(api, 6);
  const coach = await addCoach(business);
  const product = (await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 9900, currency: 'EUR' } })).body;
  expect(product.id).toBeDefined();
  const add = async (type: string) => {
    const body = newClient({ type });
    const answer = await business.admin.post('/api/v1/clients', body);
    expect(answer.status).toBe(201);
    return { id: answer.body.id as string, email: body.email as string };
  };
  const a = await add('full_access');
  const b = await add('offline');
  const c = await add('full_access_one_way');
  const d = await add('full_access');
  const profile = async (id: string) => (await business.admin.get(`/api/v1/clients/${id}`)).body;
  const mailKinds = async (to: string) => ((await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`)).body.items as Array<{ kind: string }>).map((m) => m.kind);

  // A accepts the invitation; the roster hears of it (identity -> clients).
  const accepted = await api.post('/api/v1/auth/accept-invitation', { token: await mailToken(api, a.email, 'invitation', 20_000), password: PASSWORD });
  expect(accepted.status).toBe(200);
  await until('A has app access', 20_000, async () => (await profile(a.id)).appAccess === 'active');
  // Offline revokes A's access, one-way restores it (clients -> identity, clients -> messaging).
  expect((await business.admin.put(`/api/v1/clients/${a.id}/type`, { type: 'offline' })).status).toBe(200);
  expect((await business.admin.put(`/api/v1/clients/${a.id}/type`, { type: 'full_access_one_way' })).status).toBe(200);
  await until('A is told access is back', 20_000, async () => (await mailKinds(a.email)).includes('access_restored'));
  const tokenA = await until('A signs in again', 20_000, async () => login(api, a.email).catch(() => undefined));

  expect((await business.admin.put(`/api/v1/clients/${c.id}/coach`, { coachId: coach.id })).status).toBe(200);
  expect((await business.admin.post(`/api/v1/clients/${c.id}/messages`, { body: 'Welcome aboard' })).status).toBe(201);
  expect((await business.admin.post(`/api/v1/clients/${a.id}/messages`, { body: 'See you Monday' })).status).toBe(201);
  expect((await business.admin.post(`/api/v1/clients/${a.id}/login-details`)).status).toBe(202);
  expect((await business.admin.post(`/api/v1/clients/${a.id}/password-reset`)).status).toBe(202);

  // Purchases (billing -> clients): two new buyers, the offline client B (raised to the product's
  // type), and with the six seats taken, a buyer who waits for one.
  const buy = (email: string) =>
    api.post('/api/v1/checkout', { productId: product.id, buyer: { firstName: 'Kim', lastName: 'Buyer', email } }, { 'idempotency-key': randomUUID() });
  const [x, y, z] = [uniqueEmail('buyer-x'), uniqueEmail('buyer-y'), uniqueEmail('buyer-z')];
  for (const email of [x, b.email, y]) expect((await buy(email)).status).toBe(201);
  const clientsByEmail = async () => new Map(((await business.admin.get('/api/v1/clients?pageSize=100')).body.items as Array<{ id: string; email: string; status: string }>).map((i) => [i.email, i]));
  await until('the buyers are enrolled', 30_000, async () => {
    const all = await clientsByEmail();
    return all.has(x) && all.has(y) && (await profile(b.id)).type !== 'offline';
  });
  expect((await buy(z)).status).toBe(201);
  await until('the last buyer waits for a seat', 30_000, async () => (await clientsByEmail()).get(z)?.status === 'pending');
  // A seat frees up: the waiting buyer is promoted (clients.activated -> identity invites).
  expect((await business.admin.call('DELETE', `/api/v1/clients/${d.id}`)).status).toBeLessThan(300);
  await until('the waiting buyer gets the seat', 30_000, async () => (await clientsByEmail()).get(z)?.status === 'active');
  expect((await business.admin.patch('/api/v1/account', { seatLimit: 8 })).status).toBeLessThan(300);

  return {
    business,
    addresses: [business.email, coach.email, a.email, b.email, c.email, d.email, x, y, z],
    tokens: { 'A, signed in after the restore': tokenA, 'A, from before going offline': accepted.body.accessToken },
  };
}

/** What a user and an operator can see, plus the event stores. */
async function snapshot({ business, addresses, tokens }: History) {
  const admin = business.admin;
  const clients = ((await admin.get('/api/v1/clients?pageSize=100')).body.items as Array<{ id: string }>).sort((p, q) => p.id.localeCompare(q.id));
  const perClient: Record<string, unknown> = {};
  for (const { id } of clients) {
    const [profile, history, purchases, thread] = await Promise.all(
      ['', '/history', '/purchases', '/messages'].map(async (path) => {
        const answer = await admin.get(`/api/v1/clients/${id}${path}`);
        return { status: answer.status, body: answer.body };
      }),
    );
    perClient[id] = { profile, history, purchases, thread };
  }
  const mail: Record<string, unknown> = {};
  for (const address of addresses) {
    const answer = await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(address)}`);
    mail[address] = (answer.body.items as Array<Record<string, unknown>>).map(({ id, kind, subject, text, sentAt }) => ({ id, kind, subject, text, sentAt }));
  }
  const clientApp: Record<string, unknown> = {};
  for (const [name, token] of Object.entries(tokens)) {
    const answer = await api.as(token).get('/api/v1/me/profile');
    clientApp[name] = answer.status === 200 ? { status: 200, type: answer.body.type } : { status: answer.status, code: answer.body?.code };
  }
  return {
    clients,
    perClient,
    seats: (await admin.get('/api/v1/account/seats')).body,
    products: (await admin.get('/api/v1/products')).body,
    mail,
    clientApp,
    deadLetters: await inspector.deadLetters(),
    eventStores: eventStoreHeads(dataDirOf),
  };
}

const mailCount = (mail: Record<string, unknown>) => Object.values(mail).reduce<number>((n, items) => n + (items as unknown[]).length, 0);

it('changes nothing when every integration event is delivered twice more, backwards then shuffled', async () => {
  const history = await live();
  const settle = () =>
    inspector.settled({
      dataDirOf,
      timeoutMs: 60_000,
      extra: async () => Promise.all(history.addresses.map(async (a) => (await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(a)}`)).body.items.length)),
    });
  await settle();
  const before = await snapshot(history);
  // Sanity: the history made each kind of effect the re-publishing could repeat.
  expect(before.clients.length).toBe(6); // A, B, C, X, Y, Z (D deleted)
  expect(mailCount(before.mail)).toBeGreaterThanOrEqual(9);
  expect(before.clientApp).toEqual({ 'A, signed in after the restore': { status: 200, type: 'full_access_one_way' }, 'A, from before going offline': { status: 401, code: expect.any(String) } });
  expect(before.deadLetters).toEqual([]);

  const streams: Record<string, StoredIntegrationEvent[]> = {};
  for (const service of EVENT_SOURCED) streams[service] = await inspector.read(service);
  const original = Object.values(streams).flat();
  const sequencesBefore = await inspector.lastSequences();
  const consumersBefore = await inspector.consumers();
  const bySubject = original.reduce<Record<string, number>>((counts, e) => ({ ...counts, [e.event.subject]: (counts[e.event.subject] ?? 0) + 1 }), {});
  console.log(`${original.length} integration events in ${EVENT_SOURCED.length} streams: ${JSON.stringify(bySubject)}`);

  // Pass 1: every stream backwards, the streams interleaved. Pass 2: everything shuffled.
  const backwards = Object.values(streams).map((events) => [...events].reverse());
  const interleaved: StoredIntegrationEvent[] = [];
  for (let i = 0; i < Math.max(...backwards.map((s) => s.length)); i++) for (const stream of backwards) if (stream[i]) interleaved.push(stream[i]);
  const seed = Date.now() % 1_000_000;
  const started = Date.now();
  await inspector.republish(interleaved);
  await inspector.republish(shuffled(original, seed));
  const handledMs = await settle();
  console.log(`re-published ${2 * original.length} (shuffle seed ${seed}); every consumer done and all quiet ${handledMs} ms later (${Date.now() - started} ms in all)`);

  // Every consumer received them again: its deliveries grew by at least its share of the re-published events.
  const consumersAfter = await inspector.consumers();
  const share = (consumer: ConsumerState) =>
    2 * original.filter((e) => inspector.streamName(e.service) === consumer.stream && (!consumer.filterSubject || subjectMatches(consumer.filterSubject, e.subject))).length;
  const received = consumersBefore.map((b) => {
    const a = consumersAfter.find((c) => c.durable === b.durable && c.stream === b.stream)!;
    return { consumer: `${b.durable} on ${b.stream}`, received: a.deliveries - b.deliveries >= share(b), pending: a.pending + a.ackPending };
  });
  expect(consumersBefore.length).toBeGreaterThanOrEqual(7);
  expect(received).toEqual(received.map((r) => ({ ...r, received: true, pending: 0 })));

  const after = await snapshot(history);
  const sequencesAfter = await inspector.lastSequences();
  const newDomainEvents = Object.keys(before.eventStores).reduce((n, s) => n + after.eventStores[s].count - before.eventStores[s].count, 0);
  const newIntegrationEvents = EVENT_SOURCED.reduce((n, s) => n + sequencesAfter[s] - sequencesBefore[s], 0) - 2 * original.length;
  const mailDelta = mailCount(after.mail) - mailCount(before.mail);
  const clientDelta = after.clients.length - before.clients.length;
  const purchases = (snap: typeof before) => Object.values(snap.perClient).reduce<number>((n, c) => n + ((c as { purchases: { body?: { items?: unknown[] } } }).purchases.body?.items?.length ?? 0), 0);
  const purchaseDelta = purchases(after) - purchases(before);
  const positive = (n: number) => Math.max(0, n);
  recordFault({
    fault: 'every integration event re-published twice (fresh Nats-Msg-Id), backwards then shuffled',
    injected: 2 * original.length,
    acknowledged: original.length,
    found: JSON.stringify(after) === JSON.stringify(before) ? original.length : 0,
    duplicates: positive(newDomainEvents) + positive(newIntegrationEvents) + positive(mailDelta) + positive(clientDelta) + positive(purchaseDelta),
    lost: positive(-mailDelta) + positive(-clientDelta) + positive(-purchaseDelta),
    note: `${consumersBefore.length} durable consumers; all handled and quiet ${handledMs} ms after the last publish; compared: 6 clients (profile, history, purchases, thread), seats, products, ${history.addresses.length} mailboxes (${mailCount(before.mail)} mails), 2 client-app tokens, dead letters, 4 event stores (${Object.values(before.eventStores).reduce((n, h) => n + h.count, 0)} events)`,
  });

  expect({ newDomainEvents, newIntegrationEvents }).toEqual({ newDomainEvents: 0, newIntegrationEvents: 0 });
  expect(after.eventStores).toEqual(before.eventStores);
  expect(after.mail).toEqual(before.mail);
  expect(after.clients).toEqual(before.clients);
  expect(after.perClient).toEqual(before.perClient);
  expect(after.clientApp).toEqual(before.clientApp);
  expect(after.deadLetters).toEqual([]);
  expect(after).toEqual(before);
}, 150_000);
