import { deterministicEventId, deterministicId } from '@clientele/platform/application';
import type { RecordedEvent } from '@clientele/platform/event-store';
import { randomUUID } from 'node:crypto';
import { deployedForSuite, separateProcesses } from '../support/deployments';
import { poll, sleep } from '../support/faults-load';
import { EventLog, runOpsVerify } from '../support/faults-stores';
import { ApiResponse, Business, newClient, signUp, uniqueEmail } from '../support/http';
import { recordFault } from '../support/reliability-report';

/**
 * Issue 10, fault 4: concurrency, in the distributed mode (every service its own process over the
 * NATS server on this machine, each with its own SQLite stores). Each race is judged by what the
 * callers were told against what the event stores hold afterwards, and the read models must equal
 * a fresh rebuild of those events (`ops verify`) at the end.
 *
 * - 50 parallel type changes on one client: every accepted change is either an event or a no-op
 *   that the client's state at that moment explains; the events form one chain (each `from` is the
 *   previous `to`: no change decided on a stale state, no lost update), and the read models (the
 *   roster's and messaging's policy) end on the last event.
 * - Adds racing for the last seats, before and after the seat limit is raised.
 * - Adds racing for one e-mail address (in different letter cases).
 * - Checkouts racing with one Idempotency-Key (the same request, and two different ones).
 */
const TYPES = ['full_access', 'full_access_one_way', 'offline'] as const;
type ClientType = (typeof TYPES)[number];

const deployed = deployedForSuite(separateProcesses);

const clientsEvents = () => EventLog.of(deployed.deployment.dataDirOf!('clients'), 'clients');
const billingEvents = () => EventLog.of(deployed.deployment.dataDirOf!('billing'), 'billing');
const mails = async (to: string) => (await deployed.api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`)).body.items as Array<{ kind: string }>;
const problem = (r: ApiResponse) => `${r.status} ${r.body?.code ?? ''}`.trim();
const count = <T>(items: readonly T[], what: (item: T) => boolean) => items.filter(what).length;

async function addClient(business: Business, overrides: Record<string, unknown> = {}) {
  const added = await business.admin.post('/api/v1/clients', newClient(overrides));
  if (added.status !== 201) throw new Error(`could not add a client: ${added.status} ${JSON.stringify(added.body)}`);
  return added.body as { id: string; email: string; type: ClientType; version: number };
}

/** The roster's enrolments of an account, as recorded in the clients service's event store. */
function enrolments(log: EventLog, accountId: string): RecordedEvent[] {
  return log.stream(`roster-${accountId}`).filter((e) => e.type === 'ClientEnrolled');
}

interface TypeChange {
  key: string;
  to: ClientType;
  sentAt: number;
  answeredAt: number;
  response: ApiResponse;
}

it('50 parallel type changes on one client: no lost update, the final state is the last accepted change', async () => {
  const business = await signUp(deployed.api);
  const client = await addClient(business, { type: 'full_access', sendInvitation: false });
  const stream = `client-${client.id}`;

  // The targets rotate through the three types, so some changes are no-ops whatever the order.
  const started = Date.now();
  const changes: TypeChange[] = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const key = randomUUID();
      const to = TYPES[(i + 1) % 3];
      const sentAt = Date.now();
      const response = await business.admin.put(`/api/v1/clients/${client.id}/type`, { type: to }, { 'idempotency-key': key });
      return { key, to, sentAt, answeredAt: Date.now(), response };
    }),
  );
  const elapsed = Date.now() - started;

  // Every answer is 200, or a 409 concurrency_conflict once the bounded retries are spent: no 5xx.
  const outcomes = changes.map((c) => problem(c.response));
  expect(outcomes.filter((o) => o !== '200' && o !== '409 concurrency_conflict')).toEqual([]);
  const accepted = changes.filter((c) => c.response.status === 200);
  const conflicts = changes.filter((c) => c.response.status === 409);

  const events = (await clientsEvents()).stream(stream);
  expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
  expect(events[0].type).toBe('ClientAdded');
  const typeChanges = events.slice(1);
  expect(new Set(typeChanges.map((e) => e.type))).toEqual(new Set(typeChanges.length ? ['ClientTypeChanged'] : []));

  // Which request appended which event: event ids derive from the Idempotency-Key.
  const eventOf = new Map<string, RecordedEvent>();
  for (const change of changes) {
    const id = deterministicEventId(stream, `change-type:${change.key}`, 0);
    const event = events.find((e) => e.id === id);
    if (event) eventOf.set(change.key, event);
  }
  // No event without a request that was told 200 (a 409 must have changed nothing), none twice.
  const unexplained = typeChanges.filter((e) => !changes.some((c) => eventOf.get(c.key) === e));
  expect(unexplained.map((e) => e.id)).toEqual([]);
  expect(conflicts.filter((c) => eventOf.has(c.key)).map((c) => c.key)).toEqual([]);
  for (const change of accepted) {
    const event = eventOf.get(change.key);
    if (event) expect(event.data).toMatchObject({ to: change.to });
  }

  // One chain: each change was decided on the state the previous one left (no stale decision).
  // states[r] is the client's type after revision r, and from when until when it held.
  let type: ClientType = 'full_access';
  const states: Array<{ type: ClientType; from: number; until: number }> = [{ type, from: events[0].recordedAt.getTime(), until: Number.POSITIVE_INFINITY }];
  const chainBreaks: Array<{ revision: number; from: string; to: string; expectedFrom: string }> = [];
  for (const event of typeChanges) {
    const data = event.data as { from: ClientType; to: ClientType };
    if (data.from !== type || data.to === data.from) chainBreaks.push({ revision: event.revision, from: data.from, to: data.to, expectedFrom: type });
    states[states.length - 1].until = event.recordedAt.getTime();
    type = data.to;
    states.push({ type, from: event.recordedAt.getTime(), until: Number.POSITIVE_INFINITY });
  }

  // A change that was accepted and recorded nothing is a no-op: it was decided on a revision the
  // answer already shows (the answer's version is at least that one: read-your-writes), at which
  // the client had the requested type, at a moment while the request was in flight. A recorded
  // change was recorded while its request was in flight, and its answer shows at least its event.
  const SKEW_MS = 5;
  const changed = accepted.filter((c) => eventOf.has(c.key));
  const noOps = accepted.filter((c) => !eventOf.has(c.key));
  const unexplainedNoOps = noOps.filter(
    (c) => !states.some((s, revision) => revision <= c.response.body.version && s.type === c.to && s.from <= c.answeredAt + SKEW_MS && s.until >= c.sentAt - SKEW_MS),
  );
  const inconsistent = changed.filter((c) => {
    const event = eventOf.get(c.key)!;
    const at = event.recordedAt.getTime();
    return at < c.sentAt - SKEW_MS || at > c.answeredAt + SKEW_MS || c.response.body.version < event.revision;
  });

  // The read model ends on the last event, and so does messaging's copy of the policy.
  const last = events[events.length - 1];
  const finalType = type;
  const profile = await business.admin.get(`/api/v1/clients/${client.id}`);
  const messaging = await poll('messaging follows the final type', 20_000, async () => {
    const sent = await business.admin.post(`/api/v1/clients/${client.id}/messages`, { body: 'Still with us?' });
    const expected = finalType === 'offline' ? 403 : 201;
    return sent.status === expected ? sent : undefined;
  }).catch((error: Error) => ({ status: -1, body: error.message }) as ApiResponse);

  recordFault({
    fault: '50 parallel type changes on one client (separate processes)',
    injected: 50,
    acknowledged: accepted.length,
    found: changed.length - inconsistent.length + noOps.length - unexplainedNoOps.length,
    duplicates: typeChanges.length - eventOf.size,
    lost: unexplainedNoOps.length + unexplained.length + inconsistent.length + chainBreaks.length,
    note: `${changed.length} recorded, ${noOps.length} no-ops (same type at that moment), ${conflicts.length} refused with 409 concurrency_conflict after the bounded retries; ${chainBreaks.length ? `${chainBreaks.length} BREAKS in the chain of events` : 'events form one chain'}; read model = last event (${finalType}, version ${last.revision}); ${elapsed} ms`,
  });
  console.log(`50 parallel type changes: ${changed.length} recorded, ${noOps.length} no-ops, ${conflicts.length} conflicts, in ${elapsed} ms`);

  expect(chainBreaks).toEqual([]);
  expect(unexplainedNoOps.map((c) => ({ to: c.to, sentAt: c.sentAt, answeredAt: c.answeredAt }))).toEqual([]);
  expect(inconsistent.map((c) => ({ key: c.key, version: c.response.body.version, revision: eventOf.get(c.key)!.revision }))).toEqual([]);
  expect(typeChanges).toHaveLength(changed.length);
  expect(changed.length).toBeGreaterThan(0);
  expect({ status: profile.status, type: profile.body.type, version: profile.body.version }).toEqual({ status: 200, type: finalType, version: last.revision });
  expect(profile.headers.get('etag')).toBe(`"${last.revision}"`);
  expect(messaging.status).toBe(finalType === 'offline' ? 403 : 201);
}, 90_000);

it('lets exactly the free seats be taken by parallel adds, before and after the limit is raised', async () => {
  const business = await signUp(deployed.api, 10);
  await addClient(business, { type: 'full_access' });
  await addClient(business, { type: 'offline' });
  await addClient(business, { type: 'full_access_one_way', sendInvitation: false });

  const race = (n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => business.admin.post('/api/v1/clients', newClient({ type: TYPES[i % 3], ...(i % 3 === 2 ? {} : { sendInvitation: false }) }))));
  const first = await race(20);
  expect(first.map(problem).filter((o) => o !== '201' && o !== '409 seat_limit_reached')).toEqual([]);
  expect(count(first, (a) => a.status === 201)).toBe(7);

  // Raising the limit reaches the roster through identity's integration event.
  expect((await business.admin.patch('/api/v1/account', { seatLimit: 13 })).status).toBe(200);
  await poll('the roster knows the new limit', 20_000, async () => ((await business.admin.get('/api/v1/account/seats')).body.limit === 13 ? true : undefined));
  const second = await race(12);
  expect(second.map(problem).filter((o) => o !== '201' && o !== '409 seat_limit_reached')).toEqual([]);
  expect(count(second, (a) => a.status === 201)).toBe(3);

  const seats = (await business.admin.get('/api/v1/account/seats')).body;
  const listed = (await business.admin.get('/api/v1/clients?pageSize=100')).body;
  const log = await clientsEvents();
  const enrolled = enrolments(log, business.accountId);
  const acknowledged = [...first, ...second].filter((a) => a.status === 201).map((a) => a.body.id as string);
  const added = acknowledged.filter((id) => log.count(`client-${id}`, 'ClientAdded') === 1);
  recordFault({
    fault: 'parallel adds at the seat limit (separate processes)',
    injected: 32,
    acknowledged: acknowledged.length,
    found: added.length,
    duplicates: enrolled.length - new Set(enrolled.map((e) => (e.data as { clientId: string }).clientId)).size,
    lost: acknowledged.length - added.length,
    note: `limit 10 with 3 taken: 20 at once, 7 accepted; limit raised to 13: 12 at once, 3 accepted; the rest 409 seat_limit_reached; ${enrolled.length} enrolments recorded`,
  });
  expect(added).toEqual(acknowledged);
  expect(enrolled).toHaveLength(13);
  expect(seats).toMatchObject({ limit: 13, used: 13, available: 0, pending: 0 });
  expect(listed.total).toBe(13);
}, 90_000);

it('lets exactly one of ten parallel adds of one e-mail (in different cases) win, with one invitation', async () => {
  const business = await signUp(deployed.api);
  const email = uniqueEmail('twice');
  const spellings = [email, email.toUpperCase(), email.replace(/^./, (c) => c.toUpperCase()), email.replace(/@.*/, (domain) => domain.toUpperCase())];
  const attempts = await Promise.all(
    Array.from({ length: 10 }, (_, i) => business.admin.post('/api/v1/clients', newClient({ email: spellings[i % spellings.length], type: i % 2 ? 'full_access' : 'full_access_one_way' }))),
  );
  expect(attempts.map(problem).sort()).toEqual(['201', ...Array(9).fill('409 email_taken')]);
  const winner = attempts.find((a) => a.status === 201)!.body as { id: string };

  const log = await clientsEvents();
  const enrolled = enrolments(log, business.accountId);
  const clientStreams = [...log.byStream.keys()].filter((s) => s.startsWith('client-') && log.stream(s)[0]?.metadata.accountId === business.accountId);
  await poll(`an invitation to ${email}`, 30_000, async () => ((await mails(email)).length > 0 ? true : undefined));
  await sleep(1000); // room for a second one to show up
  const invitations = await mails(email);
  const listed = (await business.admin.get('/api/v1/clients')).body;
  recordFault({
    fault: 'parallel adds of one e-mail (separate processes)',
    injected: 10,
    acknowledged: 1,
    found: log.count(`client-${winner.id}`, 'ClientAdded'),
    duplicates: Math.max(0, enrolled.length - 1) + Math.max(0, invitations.length - 1),
    lost: log.count(`client-${winner.id}`, 'ClientAdded') === 1 ? 0 : 1,
    note: '10 adds at once, 4 spellings of the address: 1 accepted, 9 refused with 409 email_taken; 1 enrolment, 1 invitation',
  });
  expect(enrolled.map((e) => (e.data as { clientId: string }).clientId)).toEqual([winner.id]);
  expect(clientStreams).toEqual([`client-${winner.id}`]);
  expect(listed.total).toBe(1);
  expect(invitations.map((m) => m.kind)).toEqual(['invitation']);
}, 90_000);

it('answers parallel checkouts with one Idempotency-Key with one purchase, one client, one invitation', async () => {
  const business = await signUp(deployed.api);
  const product = (await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 9900, currency: 'EUR' } })).body as { id: string };
  const buy = (key: string, email: string) =>
    deployed.api.post('/api/v1/checkout', { productId: product.id, buyer: { firstName: 'Kim', lastName: 'Buyer', email } }, { 'idempotency-key': key });

  // The same request ten times at once: one purchase, the same answer to all.
  const key = randomUUID();
  const email = uniqueEmail('eager');
  const same = await Promise.all(Array.from({ length: 10 }, () => buy(key, email)));
  expect(same.map(problem)).toEqual(Array(10).fill('201'));
  const purchaseId = deterministicId('purchase', product.id, key);
  expect(new Set(same.map((a) => a.body.purchaseId))).toEqual(new Set([purchaseId]));

  // One key, two different requests at once: one of them wins, the other is refused every time.
  const contested = randomUUID();
  const [emailA, emailB] = [uniqueEmail('first'), uniqueEmail('second')];
  const mixed = await Promise.all(Array.from({ length: 10 }, (_, i) => buy(contested, i % 2 ? emailA : emailB)));
  expect(mixed.map(problem).filter((o) => o !== '201' && o !== '409 idempotency_key_reused')).toEqual([]);
  const winners = new Set(mixed.map((a, i) => (a.status === 201 ? (i % 2 ? emailA : emailB) : null)).filter(Boolean));
  expect(winners.size).toBe(1);
  const winner = [...winners][0]!;
  const loser = winner === emailA ? emailB : emailA;
  mixed.forEach((a, i) => expect({ email: i % 2 ? emailA : emailB, answer: problem(a) }).toEqual({ email: i % 2 ? emailA : emailB, answer: (i % 2 ? emailA : emailB) === winner ? '201' : '409 idempotency_key_reused' }));

  const clientsOf = async () => (await business.admin.get('/api/v1/clients?pageSize=100')).body.items as Array<{ id: string; email: string }>;
  await poll('both buyers enrolled', 30_000, async () => ((await clientsOf()).length >= 2 ? true : undefined));
  for (const to of [email, winner]) await poll(`an invitation to ${to}`, 30_000, async () => ((await mails(to)).length > 0 ? true : undefined));
  await sleep(1000); // room for a duplicate to show up
  const clients = await clientsOf();
  const billing = await billingEvents();
  const purchaseStreams = [...billing.byStream.keys()].filter((s) => s.startsWith('purchase-'));
  const ours = [`purchase-${purchaseId}`, `purchase-${deterministicId('purchase', product.id, contested)}`];
  const enrolled = enrolments(await clientsEvents(), business.accountId);
  const mailCounts = await Promise.all([email, winner, loser].map(async (to) => (await mails(to)).length));
  const purchasesOf = async (address: string) => {
    const client = clients.find((c) => c.email === address);
    return client ? (await business.admin.get(`/api/v1/clients/${client.id}/purchases`)).body.items.length : 0;
  };
  recordFault({
    fault: 'parallel checkouts with one Idempotency-Key (separate processes)',
    injected: 20,
    acknowledged: 2,
    found: ours.filter((s) => billing.count(s, 'ProductPurchased') === 1).length,
    duplicates: ours.reduce((n, s) => n + Math.max(0, billing.stream(s).length - 1), 0) + Math.max(0, enrolled.length - 2) + Math.max(0, mailCounts[0] - 1) + Math.max(0, mailCounts[1] - 1) + mailCounts[2],
    lost: ours.filter((s) => billing.count(s, 'ProductPurchased') === 0).length,
    note: `one request x10 at once: one purchase; one key with two buyers x5 each at once: ${winner === emailA ? 'first' : 'second'} won, the other 5 answered 409 idempotency_key_reused; 2 enrolments, 2 invitations`,
  });
  for (const stream of ours) expect(billing.stream(stream).map((e) => e.type)).toEqual(['ProductPurchased']);
  expect(purchaseStreams.filter((s) => billing.stream(s)[0]?.metadata.accountId === business.accountId).sort()).toEqual([...ours].sort());
  expect(clients.map((c) => c.email).sort()).toEqual([email, winner].sort());
  expect(enrolled).toHaveLength(2);
  expect(await purchasesOf(email)).toBe(1);
  expect(await purchasesOf(winner)).toBe(1);
  expect(mailCounts).toEqual([1, 1, 0]);
}, 90_000);

it('leaves read models that equal a fresh rebuild of the events (ops verify, per service)', async () => {
  // Quiet first: every service idle, then stopped, so the verification reads settled files.
  await sleep(1000);
  await deployed.deployment.stop();
  const runs = await Promise.all(
    [
      ['identity', 'identity'],
      ['clients', 'clients'],
      ['billing', 'products'],
      ['messaging', 'messages'],
    ].map(([service, projection]) => runOpsVerify(deployed.deployment.dataDirOf!(service), projection)),
  );
  for (const run of runs) {
    expect({ projection: run.projection, exitCode: run.exitCode, stderr: run.stderr, differences: run.results[0]?.differences }).toEqual({
      projection: run.projection,
      exitCode: 0,
      stderr: '',
      differences: [],
    });
  }
  // Messages exist only when the first race ended on a type that may receive them.
  for (const run of runs.filter((r) => r.projection !== 'messages')) expect({ projection: run.projection, documents: run.results[0].documents > 0 }).toEqual({ projection: run.projection, documents: true });
  console.log(`ops verify: ${runs.map((r) => `${r.projection} ${r.results[0]?.documents} documents identical (${r.ms} ms)`).join('; ')}`);
}, 120_000);
