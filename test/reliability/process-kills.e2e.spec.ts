import { deterministicEventId, deterministicId } from '@clientele/platform/application';
import { randomUUID } from 'node:crypto';
import { deployedForSuite, separateProcesses } from '../support/deployments';
import { Attempt, Operation, describeAttempts, mapLimit, poll, sleep, timed, unexpectedFailures, untilAcknowledged } from '../support/faults-load';
import { EventLog, readServiceDocuments, runOpsVerify } from '../support/faults-stores';
import { ApiResponse, Business, listAllClients, PASSWORD, newClient, signUp, uniqueEmail } from '../support/http';
import { recordFault } from '../support/reliability-report';

/**
 * Issue 10, fault 1: kill -9 of a service process under load. Every service runs in its own
 * process over the NATS server on this machine, each with its own SQLite stores. A load of client
 * adds (of every type, with and without invitation), type changes, purchases and staff sign-ups
 * runs throughout; the clients, identity, billing and notifications processes are SIGKILLed in
 * turn, the load runs on for a while, and the process is started again on the same files.
 *
 * The load behaves like a careful client: every command carries an Idempotency-Key, and an attempt
 * that failed (503, or no answer) is sent again with the same key until it is acknowledged, never
 * knowing whether the failed attempt had an effect. Then:
 * - every failed attempt was a 503 `unavailable` problem+json within the request timeout (no 500,
 *   no hang, no other refusal);
 * - every acknowledged command is in its service's event store, exactly once;
 * - every purchase enrolled its buyer exactly once, with one purchase;
 * - every mail the commands call for was sent exactly once (none missing, none twice, none else);
 * - the read models converge to what a fresh replay of the events builds (`ops verify`).
 */
const REQUEST_TIMEOUT_MS = 5000; // the services' default
const FAIL_FAST_MS = REQUEST_TIMEOUT_MS + 3000; // a shared 2-core machine: a generous margin
const HANG_MS = 30_000;
const KILLED = ['clients', 'identity', 'billing', 'notifications'] as const;
const OUTAGE_MS = 1500;
const WORKERS = 3;
const ITERATION_MS = 200;
const MAX_IN_FLIGHT = 3;

type ClientType = 'full_access' | 'full_access_one_way' | 'offline';

/** What each added client goes through, and the mails that calls for. */
const VARIANTS: ReadonlyArray<{ type: ClientType; sendInvitation?: boolean; changeTo: ClientType; mailsOnAdd: number; mailsOnChange: number }> = [
  { type: 'full_access', changeTo: 'full_access_one_way', mailsOnAdd: 1, mailsOnChange: 0 }, // invited; then only the messaging policy changes
  { type: 'offline', changeTo: 'full_access', mailsOnAdd: 0, mailsOnChange: 1 }, // never signed in: invited when leaving offline
  { type: 'full_access_one_way', sendInvitation: false, changeTo: 'offline', mailsOnAdd: 0, mailsOnChange: 0 }, // added without e-mail, then offline
  { type: 'full_access_one_way', changeTo: 'full_access', mailsOnAdd: 1, mailsOnChange: 0 },
];

interface LoadOp extends Operation {
  kind: 'add' | 'change' | 'checkout' | 'staff';
  email: string;
  variant?: number;
  clientId?: string;
  to?: ClientType;
  /** Mails this command calls for (invitations). */
  mails: number;
}

interface Phase {
  service: string;
  killedAt: number;
  restartedAt: number;
  healthyAt: number;
  endedAt: number;
}

const deployed = deployedForSuite(separateProcesses);

it('loses no acknowledged command, duplicates nothing, and converges, across a kill -9 of clients, identity, billing and notifications', async () => {
  const testStarted = Date.now();
  const business: Business = await signUp(deployed.api);
  const product = (await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 9900, currency: 'EUR' } })).body as { id: string; clientType: ClientType };
  expect(product.id).toBeDefined();

  // The load.
  const ops: LoadOp[] = [];
  let loading = true;
  let giveUpAt = Number.POSITIVE_INFINITY;
  const retry = { hangMs: HANG_MS, retryDelayMs: 250, giveUp: () => Date.now() > giveUpAt };
  const run = async (kind: LoadOp['kind'], email: string, mails: number, call: (key: string) => Promise<ApiResponse>, extra: Partial<LoadOp> = {}) => {
    const key = randomUUID();
    const op = Object.assign(await untilAcknowledged(kind, key, () => call(key), retry), { kind, email, mails, ...extra }) as LoadOp;
    ops.push(op);
    return op;
  };
  // One iteration: add a client and change its type; meanwhile a purchase (and now and then a new
  // coach). A worker starts one every ITERATION_MS and lets up to MAX_IN_FLIGHT run at once, so
  // while a service is down, commands to the others keep coming until the failing ones fill that.
  const iteration = async (w: number, i: number) => {
    const variant = (i * WORKERS + w) % VARIANTS.length;
    const { type, sendInvitation, changeTo, mailsOnAdd, mailsOnChange } = VARIANTS[variant];
    const client = newClient({ type, ...(sendInvitation === undefined ? {} : { sendInvitation }) });
    const buyer = uniqueEmail(`buyer${w}`);
    const coach = uniqueEmail('coach');
    await Promise.all([
      (async () => {
        const added = await run('add', client.email, mailsOnAdd, (key) => business.admin.post('/api/v1/clients', client, { 'idempotency-key': key }), { variant });
        if (!added.acknowledged) return;
        const clientId = added.acknowledged.body.id as string;
        added.clientId = clientId;
        await run('change', client.email, mailsOnChange, (key) => business.admin.put(`/api/v1/clients/${clientId}/type`, { type: changeTo }, { 'idempotency-key': key }), {
          variant,
          clientId,
          to: changeTo,
        });
      })(),
      run('checkout', buyer, 1, (key) =>
        deployed.api.post('/api/v1/checkout', { productId: product.id, buyer: { firstName: 'Kim', lastName: 'Buyer', email: buyer } }, { 'idempotency-key': key }),
      ),
      w === 0 && i % 2 === 0
        ? run('staff', coach, 0, (key) =>
            business.admin.post('/api/v1/staff', { firstName: 'Cora', lastName: 'Coach', email: coach, password: PASSWORD, role: 'coach' }, { 'idempotency-key': key }),
          )
        : undefined,
    ]);
  };
  const worker = async (w: number) => {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; loading; i++) {
      while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      if (!loading) break;
      const task: Promise<void> = iteration(w, i).finally(() => inFlight.delete(task));
      inFlight.add(task);
      await sleep(ITERATION_MS);
    }
    await Promise.all(inFlight);
  };
  const loadStarted = Date.now();
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  await poll('the load runs', 30_000, async () => (ops.filter((o) => o.acknowledged).length >= 15 ? true : undefined));

  // The faults, one service at a time.
  const phases: Phase[] = [];
  const probes = [
    { name: 'GET /api/v1/clients', call: () => business.admin.get('/api/v1/clients?pageSize=1') },
    { name: 'POST /api/v1/auth/login', call: () => deployed.api.post('/api/v1/auth/login', { email: business.email, password: PASSWORD }) },
    { name: 'GET /api/v1/products', call: () => business.admin.get('/api/v1/products') },
    { name: 'GET /api/v1/dev/mailbox', call: () => deployed.api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(business.email)}`) },
    { name: 'GET /api/v1/staff', call: () => business.admin.get('/api/v1/staff') },
    { name: 'GET /health', call: () => deployed.api.get('/health') },
  ];
  const probeResults: Array<{ service: string; name: string; ms: number; status: number; code?: string; contentType: string | null }> = [];
  // If a fault step fails, the load stops at once rather than retrying in the background.
  let faultsDone = false;
  try {
    for (const service of KILLED) {
      await sleep(1000);
      const killedAt = Date.now();
      await deployed.deployment.kill!(service);
      // While it is down, one request to every service: each answers, or fails fast with 503.
      const probed = await Promise.all(
        probes.map(async ({ name, call }) => {
          const { ms, response } = await timed(call, HANG_MS);
          return { service, name, ms, status: response.status, code: (response.body as { code?: string })?.code, contentType: response.headers.get('content-type') };
        }),
      );
      probeResults.push(...probed);
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - killedAt)));
      const restartedAt = Date.now();
      await deployed.deployment.restart!(service);
      const healthyAt = Date.now();
      await sleep(1000);
      phases.push({ service, killedAt, restartedAt, healthyAt, endedAt: Date.now() });
      console.log(`kill -9 ${service}: down ${restartedAt - killedAt} ms, healthy again ${healthyAt - restartedAt} ms after the restart`);
    }
    faultsDone = true;
  } finally {
    loading = false;
    giveUpAt = Date.now() + (faultsDone ? 60_000 : 0);
  }
  await Promise.all(workers);
  const loadStopped = Date.now();

  // Convergence: every buyer enrolled, every mail sent (a message in flight in a killed consumer
  // comes back only after JetStream's ack wait, so allow for that).
  const acknowledged = ops.filter((o) => o.acknowledged);
  const listClients = () => listAllClients(business.admin);
  const buyers = acknowledged.filter((o) => o.kind === 'checkout').map((o) => o.email);
  // A poll that runs out is not thrown: the checks below then say precisely what is missing.
  const allEnrolled = await poll('every acknowledged buyer is enrolled', 60_000, async () => {
    const emails = new Set((await listClients()).map((c) => c.email));
    return buyers.every((email) => emails.has(email)) ? true : undefined;
  }, 500).catch(() => false);
  const enrolledAfter = Date.now() - loadStopped;
  const mailbox = async (to: string) => (await deployed.api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`)).body.items as Array<{ kind: string }>;
  const expectedMails = new Map<string, number>();
  for (const op of acknowledged) expectedMails.set(op.email, (expectedMails.get(op.email) ?? 0) + op.mails);
  const waitingFor = new Set([...expectedMails].filter(([, n]) => n > 0).map(([to]) => to));
  const allMailed = await poll('every expected mail is sent', 60_000, async () => {
    const arrived = await mapLimit([...waitingFor], 8, async (to) => ((await mailbox(to)).length >= expectedMails.get(to)! ? to : null));
    for (const to of arrived) if (to) waitingFor.delete(to);
    return waitingFor.size === 0 ? true : undefined;
  }, 500).catch(() => false);
  const mailedAfter = Date.now() - loadStopped;
  await sleep(1500); // room for a duplicate to show up
  const clients = await listClients();
  const purchasesOf = new Map<string, number>();
  await mapLimit(clients.filter((c) => buyers.includes(c.email)), 8, async (c) => {
    purchasesOf.set(c.email, (await business.admin.get(`/api/v1/clients/${c.id}/purchases`)).body.items.length);
  });

  // The event stores, read from the files once every process is stopped.
  await deployed.deployment.stop();
  const [clientsLog, billingLog, identityLog] = await Promise.all([
    EventLog.of(deployed.deployment.dataDirOf!('clients'), 'clients'),
    EventLog.of(deployed.deployment.dataDirOf!('billing'), 'billing'),
    EventLog.of(deployed.deployment.dataDirOf!('identity'), 'identity'),
  ]);
  // Every mail sent, from the dev mailbox the notifications service keeps (one document per mail).
  const sent = await readServiceDocuments<{ id: string; toKey: string; kind: string }>(deployed.deployment.dataDirOf!('notifications'), 'notifications', 'dev_mailbox');
  const mails = new Map<string, string[]>();
  for (const mail of sent) mails.set(mail.toKey, [...(mails.get(mail.toKey) ?? []), mail.kind]);
  const roster = clientsLog.stream(`roster-${business.accountId}`).filter((e) => e.type === 'ClientEnrolled');
  const enrolments = new Map<string, number>();
  for (const e of roster) enrolments.set((e.data as { clientId: string }).clientId, (enrolments.get((e.data as { clientId: string }).clientId) ?? 0) + 1);
  const enrolmentsOf = (clientId: string) => enrolments.get(clientId) ?? 0;
  const lastOpFor = new Map(acknowledged.map((op) => [op.email, op]));
  const invitationsOf = (clientId: string) => identityLog.count(`clientlogin-${clientId}`, 'ClientInvitationIssued');

  // Each acknowledged command against the stores: what is missing, what is there twice.
  const verdicts = acknowledged.map((op) => {
    const missing: string[] = [];
    const twice: string[] = [];
    const exactlyOnce = (what: string, n: number) => (n === 0 ? missing.push(what) : n > 1 ? twice.push(`${what} x${n}`) : undefined);
    const mailed = (mails.get(op.email) ?? []).length;
    switch (op.kind) {
      case 'add': {
        const id = op.clientId!;
        if (id !== deterministicId('client', business.accountId, op.key)) twice.push(`another client id ${id} than the key names`);
        exactlyOnce('ClientAdded', clientsLog.count(`client-${id}`, 'ClientAdded'));
        exactlyOnce('ClientEnrolled', enrolmentsOf(id));
        if (op.mails) exactlyOnce('ClientInvitationIssued on add', invitationsOf(id));
        break;
      }
      case 'change': {
        const stream = `client-${op.clientId}`;
        const event = clientsLog.byId.get(deterministicEventId(stream, `change-type:${op.key}`, 0));
        if (!event || event.type !== 'ClientTypeChanged' || (event.data as { to: string }).to !== op.to) missing.push(`ClientTypeChanged to ${op.to}`);
        exactlyOnce('ClientTypeChanged', clientsLog.count(stream, 'ClientTypeChanged'));
        if (op.mails) exactlyOnce('ClientInvitationIssued on change', invitationsOf(op.clientId!));
        const now = clients.find((c) => c.id === op.clientId);
        if (now?.type !== op.to) missing.push(`read model type ${op.to} (is ${now?.type})`);
        break;
      }
      case 'checkout': {
        const purchaseId = deterministicId('purchase', product.id, op.key);
        if (op.acknowledged!.body.purchaseId !== purchaseId) twice.push(`another purchase id than the key names`);
        exactlyOnce('ProductPurchased', billingLog.count(`purchase-${purchaseId}`, 'ProductPurchased'));
        const enrolled = clients.filter((c) => c.email === op.email);
        exactlyOnce('the buyer as a client', enrolled.length);
        for (const c of enrolled) {
          exactlyOnce('ClientEnrolled of the buyer', enrolmentsOf(c.id));
          exactlyOnce('ClientAdded of the buyer', clientsLog.count(`client-${c.id}`, 'ClientAdded'));
          exactlyOnce('ClientInvitationIssued of the buyer', invitationsOf(c.id));
          if (c.type !== product.clientType || c.status !== 'active') missing.push(`buyer active as ${product.clientType} (is ${c.status} ${c.type})`);
        }
        exactlyOnce('the purchase on the client', purchasesOf.get(op.email) ?? 0);
        break;
      }
      case 'staff': {
        const id = op.acknowledged!.body.id as string;
        exactlyOnce('StaffMemberRegistered', identityLog.count(`staff-${id}`, 'StaffMemberRegistered'));
        break;
      }
    }
    // Mails are judged once per address, on the command that comes last for it.
    const lastForAddress = lastOpFor.get(op.email) === op;
    if (lastForAddress) {
      const expected = expectedMails.get(op.email) ?? 0;
      if (mailed < expected) missing.push(`${expected - mailed} mail(s) to ${op.email}`);
      if (mailed > expected) twice.push(`${mailed - expected} extra mail(s) to ${op.email}: ${mails.get(op.email)!.join(', ')}`);
      if ((mails.get(op.email) ?? []).some((kind) => kind !== 'invitation')) twice.push(`a mail other than an invitation to ${op.email}`);
    }
    return { op, missing, twice };
  });

  // Nothing recorded that nobody was told about: enrolments are exactly the acknowledged adds and buyers.
  const expectedEnrolments = acknowledged.filter((o) => o.kind === 'add').length + buyers.length;
  const gaveUp = ops.filter((o) => !o.acknowledged);

  // Every failed attempt: a fast 503 unavailable problem+json.
  const failed: Attempt[] = ops.flatMap((o) => o.attempts);
  const unexpected = unexpectedFailures(failed, FAIL_FAST_MS);

  // ops verify: each service's read models equal a fresh replay of its events.
  const verifyStarted = Date.now();
  const verifications = await Promise.all(
    [
      ['identity', 'identity'],
      ['clients', 'clients'],
      ['billing', 'products'],
      ['messaging', 'messages'],
    ].map(([service, projection]) => runOpsVerify(deployed.deployment.dataDirOf!(service), projection)),
  );
  const verifyMs = Date.now() - verifyStarted;
  const drift = verifications.filter((v) => v.exitCode !== 0 || v.results[0]?.differences.length !== 0);

  // The report: one row per killed service, for the commands first sent in its phase.
  const phaseOf = (op: LoadOp) => {
    const index = phases.findIndex((p) => op.startedAt < p.endedAt);
    return index === -1 ? phases.length - 1 : index;
  };
  phases.forEach((phase, index) => {
    const mine = verdicts.filter((v) => phaseOf(v.op) === index);
    const attempts = ops.filter((o) => phaseOf(o) === index).flatMap((o) => o.attempts);
    const retried = ops.filter((o) => phaseOf(o) === index && o.attempts.length > 0 && o.acknowledged).length;
    recordFault({
      fault: `kill -9 ${phase.service} under load (separate processes)`,
      injected: 1,
      acknowledged: mine.length,
      found: mine.filter((v) => v.missing.length === 0).length,
      duplicates: mine.reduce((n, v) => n + v.twice.length, 0),
      lost: mine.filter((v) => v.missing.length > 0).length,
      note:
        `commands first sent in this phase; down ${phase.restartedAt - phase.killedAt} ms, healthy ${phase.healthyAt - phase.restartedAt} ms after the restart; ` +
        (attempts.length ? `failed attempts: ${describeAttempts(attempts)}; ${retried} commands acknowledged on a retry with their key` : 'no request failed') +
        (index === phases.length - 1 ? `; then ${allEnrolled && allMailed ? 'converged' : 'had NOT converged'} ${mailedAfter} ms after the load stopped; ops verify: ${drift.length ? `${drift.length} projections drifted` : 'identity, clients, products, messages identical'}` : ''),
    });
  });
  const byKind = (kind: string) => acknowledged.filter((o) => o.kind === kind).length;
  console.log(
    `load ${loadStopped - loadStarted} ms: ${acknowledged.length} commands acknowledged (${byKind('add')} adds, ${byKind('change')} type changes, ${byKind('checkout')} purchases, ${byKind('staff')} staff), ` +
      `${failed.length} failed attempts (${describeAttempts(failed) || 'none'}), ${ops.filter((o) => o.attempts.length && o.acknowledged).length} acknowledged on a retry; ` +
      `buyers enrolled ${enrolledAfter} ms and mails sent ${mailedAfter} ms after the load stopped; ops verify ${verifyMs} ms; whole test ${Date.now() - testStarted} ms`,
  );

  // Probes during the outages: 2xx from the services still up; the killed one's routes (and
  // /health, which asks every service) a fast 503 problem+json, `unavailable` for the API routes.
  const badProbes = probeResults.filter(
    (p) => !(p.status >= 200 && p.status < 300) && !(p.status === 503 && /^application\/(problem\+)?json/.test(p.contentType ?? '') && p.ms < FAIL_FAST_MS && (p.name === 'GET /health' || p.code === 'unavailable')),
  );
  console.log(`probes while a service was down:\n${probeResults.map((p) => `  ${p.service} down: ${p.name} -> ${p.status} ${p.code ?? ''} in ${p.ms} ms`).join('\n')}`);
  expect(badProbes).toEqual([]);
  for (const service of KILLED) expect(probeResults.some((p) => p.service === service && p.name === 'GET /health' && p.status === 503)).toBe(true);
  expect(gaveUp.map((o) => ({ kind: o.kind, refused: o.refused, attempts: o.attempts.length }))).toEqual([]);
  expect(unexpected).toEqual([]);
  expect(verdicts.filter((v) => v.missing.length || v.twice.length).map((v) => ({ kind: v.op.kind, email: v.op.email, missing: v.missing, twice: v.twice }))).toEqual([]);
  expect(roster).toHaveLength(expectedEnrolments);
  expect([...mails].filter(([to]) => !expectedMails.get(to))).toEqual([]);
  expect(drift.map((v) => ({ projection: v.projection, exitCode: v.exitCode, stdout: v.stdout.slice(0, 2000), stderr: v.stderr.slice(0, 2000) }))).toEqual([]);
  for (const service of ['clients', 'identity', 'billing'] as const) {
    expect(acknowledged.some((o) => phaseOf(o) === KILLED.indexOf(service) && o.attempts.length > 0)).toBe(true);
  }
}, 240_000);
