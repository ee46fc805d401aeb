import { deterministicEventId, deterministicId } from '@clientele/platform/application';
import { TestDatabase, createTestDatabase, planPostgres, skipSuite } from '@clientele/platform/testing';
import { randomBytes } from 'node:crypto';
import { JetStreamManager, NatsConnection, connect } from 'nats';
import { Attempt, describeAttempts, mapLimit, poll, sleep, timed, unexpectedFailures } from '../support/faults-load';
import { Api, Business, listAllClients, PASSWORD, signUp } from '../support/http';
import { NatsCluster, startNatsCluster } from '../support/nats-cluster';
import { recordFault } from '../support/reliability-report';
import { ReplicatedDeployment, SERVICES, replicatedProcesses } from '../support/replicas';
import { ComposeFile, composeCommand, composeEnvironment, onLoopback, readCompose } from './compose-environment';
import { BULK_TO, ClientType, LoadOp, MailKind, MixedLoad } from './mixed-load';
import { opsVerifyAll, serviceDocuments, serviceEvents, withDatabase } from './postgres-records';

/**
 * Issue 18, item 6: a rehearsal of the production topology, on loopback, with no containers.
 *
 * - deploy/compose.postgres.yml is the production stack: 3 NATS nodes clustered with JetStream,
 *   PostgreSQL, two replicas of every service and of the gateway. Each process here gets exactly
 *   the `environment:` that file gives its container, with a `.env` of this run's own secrets;
 *   only the host names of the servers (nats-1..3, postgres) become loopback addresses, and the
 *   ports a container has to itself (the gateway's PORT, CLIENTELE_HEALTH_PORT) free ones, since
 *   14 processes share one host here. So the rehearsal and the file cannot drift apart.
 * - 3 nats-server processes routed to each other, each with its own store; the services create
 *   every stream and bucket with 3 copies (CLIENTELE_BUS_REPLICAS=3, from the file).
 * - One PostgreSQL database made for this run and dropped after it.
 *
 * Under a mixed load (adds, type changes, bulk changes, an import, checkouts, messages), in turn:
 * SIGKILL of one NATS node, then its restart; SIGKILL of one replica of every service at once,
 * then their restart; pg_terminate_backend on every connection of the clients service. Then:
 * every acknowledged command's events are in PostgreSQL exactly once (read by SQL); every purchase
 * enrolled its buyer once; every mail went out once (none missing, none twice, none else); no
 * answer was a 500: only a fast 503 `unavailable` while a part was down; `ops verify` finds every
 * projection equal to a replay of its events.
 */
const plan = planPostgres('production rehearsal (PostgreSQL)');

const COMPOSE_FILE = 'deploy/compose.postgres.yml';
/** The services' request timeout (the file sets none: the default), and a margin for a loaded 2-core machine. */
const REQUEST_TIMEOUT_MS = 5000;
const FAIL_FAST_MS = REQUEST_TIMEOUT_MS + 4000;
const HANG_MS = 30_000;
/** Small pools: other suites use the server meanwhile (.ci/run gives it the compose file's max_connections, 300). */
const POOL_SIZE = '2';
/** The processors of every service (leases), to choose the replicas whose loss hurts most. */
const STATEFUL = SERVICES.filter((s) => s !== 'gateway');
const NATS_OUTAGE_MS = 4000;
const REPLICA_OUTAGE_MS = 2000;
const TERMINATIONS = 3;

interface Phase {
  fault: string;
  startedAt: number;
  endedAt: number;
  detail: string;
}

if (plan.kind === 'skip') {
  describe('production rehearsal', () => skipSuite(plan));
} else {
  describe('production rehearsal: deploy/compose.postgres.yml on loopback (3 NATS nodes, PostgreSQL, 2 replicas of everything)', () => {
    let database: TestDatabase;
    let cluster: NatsCluster;
    let deployment: ReplicatedDeployment;
    let api: Api;
    let nc: NatsConnection;
    let jsm: JetStreamManager;
    let compose: ComposeFile;
    /** What `.env` holds for this run. */
    let dotenv: Record<string, string>;
    /** Every replica's environment as started, by replica name. */
    const environments = new Map<string, Record<string, string>>();
    /** The most connections the run held on its database at once (sampled). */
    let peakConnections = 0;
    let sampling: NodeJS.Timeout | undefined;
    const suiteStarted = Date.now();

    /** A service's environment from the compose file, on loopback. */
    const replicaEnvironment = (hosts: Record<string, string>, service: string, gatewayPort: number): Record<string, string> => {
      const env = composeEnvironment(compose, service, dotenv);
      for (const [key, value] of Object.entries(env)) env[key] = onLoopback(value, hosts).value;
      // Listen on loopback, on ports of its own: in a container each process has the host to
      // itself. The health port is any free one (0), taken when the process binds it: ports
      // chosen ahead for 14 processes were taken meanwhile by their own outgoing connections.
      env.HOST = '127.0.0.1';
      env.CLIENTELE_HEALTH_PORT = '0';
      if (service === 'gateway') env.PORT = String(gatewayPort);
      return env;
    };

    beforeAll(async () => {
      database = await createTestDatabase(plan.adminUrl);
      const admin = new URL(database.url);
      dotenv = {
        NATS_USER: 'clientele',
        NATS_PASSWORD: randomBytes(16).toString('hex'),
        // The local server trusts loopback: the password is whatever the admin URL carries, or unused.
        POSTGRES_USER: decodeURIComponent(admin.username) || 'postgres',
        POSTGRES_PASSWORD: admin.password || randomBytes(16).toString('hex'),
        POSTGRES_DB: database.name,
        CLIENTELE_POSTGRES_POOL_SIZE: POOL_SIZE,
        CLIENTELE_MAIL: 'dev-mailbox',
        SENDGRID_API_KEY: 'unused',
        JWT_SECRET: randomBytes(32).toString('hex'),
      };
      compose = readCompose(COMPOSE_FILE);

      // The NATS nodes with the credentials their compose commands carry.
      const natsCommand = composeCommand(compose, 'nats-1', dotenv);
      const credential = (flag: string) => natsCommand[natsCommand.indexOf(flag) + 1];
      cluster = await startNatsCluster({ args: ['--user', credential('--user'), '--pass', credential('--pass')] });
      nc = await connect({ servers: cluster.urls, user: credential('--user'), pass: credential('--pass'), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      jsm = await nc.jetstreamManager();

      const hosts: Record<string, string> = Object.fromEntries(cluster.nodes.map((node) => [`${node.name}:4222`, `127.0.0.1:${node.port}`]));
      hosts['postgres:5432'] = `${admin.hostname}:${admin.port || '5432'}`;
      deployment = replicatedProcesses({
        replicas: 2,
        startTogether: true,
        nats: { servers: cluster.urls, user: credential('--user'), pass: credential('--pass') },
        environment: (service, index, gatewayPort) => {
          const env = replicaEnvironment(hosts, service, gatewayPort);
          environments.set(`${service}#${index + 1}`, env);
          return env;
        },
      });
      sampling = setInterval(() => {
        withDatabase(plan.adminUrl, (db) => db.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [database.name]))
          .then(({ rows }) => (peakConnections = Math.max(peakConnections, Number(rows[0].n))))
          .catch(() => undefined);
      }, 1000);
      const startedAt = Date.now();
      api = await deployment.start();
      console.log(`rehearsal: NATS cluster and ${SERVICES.length * 2} processes healthy ${Date.now() - startedAt} ms after their start (${Date.now() - suiteStarted} ms into the suite)`);
    }, 240_000);

    afterAll(async () => {
      const steps: Array<[string, () => Promise<unknown>]> = [
        ['stop the processes', async () => deployment?.stop()],
        ['remove their folders', async () => deployment?.cleanup()],
        ['close the NATS connection', async () => nc?.close()],
        ['stop the NATS cluster', async () => cluster?.cleanup()],
        ['drop the database', async () => database?.drop()],
      ];
      clearInterval(sampling);
      for (const [what, step] of steps) {
        try {
          await step();
        } catch (error) {
          console.error(`rehearsal cleanup: could not ${what}: ${String(error)}`);
        }
      }
      console.log(`rehearsal: whole suite ${Date.now() - suiteStarted} ms; at most ${peakConnections} connections to its database at once`);
    }, 120_000);

    it('runs what the compose file describes: its environment, 3 copies of every stream, bucket and consumer, a schema per service and store', async () => {
      // Every process got the file's environment; only the servers' hosts and the process's own ports differ.
      for (const service of SERVICES) {
        expect(compose.services[service].deploy?.replicas).toBe(2);
        const fromFile = composeEnvironment(compose, service, dotenv);
        for (const index of [1, 2]) {
          const env = environments.get(`${service}#${index}`)!;
          const differing = Object.keys({ ...fromFile, ...env }).filter((key) => fromFile[key] !== env[key]).sort();
          expect({ service, differing }).toEqual({ service, differing: ['CLIENTELE_HEALTH_PORT', 'HOST', 'NATS_URL', 'POSTGRES_URL', ...(service === 'gateway' ? ['PORT'] : [])].sort() });
          expect(env.NATS_URL).not.toMatch(/nats-\d/);
          expect(env.POSTGRES_URL).not.toMatch(/@postgres:/);
          expect(env).toMatchObject({ CLIENTELE_BUS_REPLICAS: '3', CLIENTELE_EVENT_STORE: 'postgres', CLIENTELE_DOCUMENT_STORE: 'postgres', CLIENTELE_SERVICES: service });
        }
      }

      // Streams (events, dead letters, redeliveries, leases) and their consumers: 3 copies, on every node.
      const streams = [];
      for await (const stream of jsm.streams.list()) streams.push(stream);
      const names = streams.map((s) => s.config.name).sort();
      expect(names).toEqual(expect.arrayContaining(['EVENTS_BILLING', 'EVENTS_CLIENTS', 'EVENTS_IDENTITY', 'EVENTS_MESSAGING', 'KV_dead-letters', 'KV_leases', 'KV_redeliveries']));
      const copies = streams.map((s) => ({ stream: s.config.name, replicas: s.config.num_replicas, peers: 1 + (s.cluster?.replicas?.length ?? 0) }));
      expect(copies.filter((c) => c.replicas !== 3 || c.peers !== 3)).toEqual([]);
      const consumers = [];
      for (const stream of names.filter((n) => n.startsWith('EVENTS_'))) {
        for await (const consumer of jsm.consumers.list(stream)) consumers.push({ consumer: consumer.name, peers: 1 + (consumer.cluster?.replicas?.length ?? 0) });
      }
      expect(consumers.length).toBeGreaterThan(5);
      expect(consumers.filter((c) => c.peers !== 3)).toEqual([]);

      // PostgreSQL: each service's schemas, and its connections named after it.
      const { schemas, applications } = await withDatabase(database.url, async (db) => ({
        schemas: (await db.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace`)).rows.map((r) => r.nspname),
        applications: (await db.query<{ application_name: string }>(`SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database()`)).rows.map((r) => r.application_name),
      }));
      for (const service of STATEFUL) {
        expect(schemas).toEqual(expect.arrayContaining([service, `${service}_rm`, ...(service === 'notifications' ? [] : [`${service}_keys`])]));
        expect(applications.some((a) => a.startsWith(`clientele-${service}-`))).toBe(true);
      }
    });

    it('loses nothing, doubles nothing and answers no 500 across a NATS node, a replica of every service and the clients service\'s database connections lost under load', async () => {
      const testStarted = Date.now();
      const business: Business = await signUp(api);
      const product = (await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 9900, currency: 'EUR' } })).body as { id: string; clientType: ClientType };
      expect(product.id).toBeDefined();

      const load = new MixedLoad(api, business, product.id, { workers: 3, iterationMs: 300, maxInFlight: 3, hangMs: HANG_MS, retryDelayMs: 250 });
      const loadStarted = Date.now();
      load.start();
      let importOp: Promise<LoadOp> | undefined;
      await poll('the load runs', 60_000, async () => (load.acknowledged.length >= 20 ? true : undefined));

      // While a part is down: one request to every service, each answered or refused fast with 503.
      const probes = [
        { name: 'GET /api/v1/clients', call: () => business.admin.get('/api/v1/clients?pageSize=1') },
        { name: 'POST /api/v1/auth/login', call: () => api.post('/api/v1/auth/login', { email: business.email, password: PASSWORD }) },
        { name: 'GET /api/v1/products', call: () => business.admin.get('/api/v1/products') },
        { name: 'GET /api/v1/dev/mailbox', call: () => api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(business.email)}`) },
        { name: 'GET /api/v1/staff', call: () => business.admin.get('/api/v1/staff') },
        { name: 'GET /health', call: () => api.get('/health') },
      ];
      const probeResults: Array<{ fault: string; name: string; ms: number; status: number; code?: string; contentType: string | null }> = [];
      const probe = async (fault: string) => {
        const results = await Promise.all(
          probes.map(async ({ name, call }) => {
            const { ms, response } = await timed(call, HANG_MS);
            return { fault, name, ms, status: response.status, code: (response.body as { code?: string })?.code, contentType: response.headers.get('content-type') };
          }),
        );
        probeResults.push(...results);
      };

      const phases: Phase[] = [];
      let faultsDone = false;
      try {
        // 1. SIGKILL the NATS node that leads the most streams and consumers, then restart it on its store.
        {
          const leaders = new Map<string, number>();
          for await (const stream of jsm.streams.list()) {
            const count = (name?: string) => name && leaders.set(name, (leaders.get(name) ?? 0) + 1);
            count(stream.cluster?.leader);
            if (stream.config.name.startsWith('EVENTS_')) for await (const consumer of jsm.consumers.list(stream.config.name)) count(consumer.cluster?.leader);
          }
          const [victim, led] = [...leaders].sort((a, b) => b[1] - a[1])[0];
          const metaLeader = await cluster.metaLeader();
          await load.holdLongCommands();
          const startedAt = Date.now();
          await cluster.stop(victim);
          load.releaseLongCommands();
          await probe('nats');
          await sleep(Math.max(0, NATS_OUTAGE_MS - (Date.now() - startedAt)));
          await probe('nats');
          const restartedAt = Date.now();
          await cluster.start(victim);
          await cluster.waitUntilReady(60_000);
          const readyAt = Date.now();
          await sleep(1000);
          phases.push({
            fault: 'SIGKILL of 1 of 3 NATS nodes (R3 streams, buckets, consumers) under load, restarted on its store',
            startedAt,
            endedAt: Date.now(),
            detail: `${victim} (leader of ${led} streams and consumers${metaLeader === victim ? ', and of the meta group' : ''}) down ${restartedAt - startedAt} ms, cluster healthy ${readyAt - restartedAt} ms after its restart`,
          });
        }

        // 2. SIGKILL one replica of every service at once (the one holding most of its leases), an import under way; restart them.
        {
          const holders = await deployment.leaseHolders();
          const victims = STATEFUL.map((service) => {
            const replicas = deployment.replicas(service);
            const held = (pid?: number) => Object.values(holders).filter((h) => h.holder.includes(`:${pid}:`)).length;
            return replicas.sort((a, b) => held(b.process.child.pid) - held(a.process.child.pid))[0];
          });
          const leasesLost = victims.reduce((n, v) => n + Object.values(holders).filter((h) => h.holder.includes(`:${v.process.child.pid}:`)).length, 0);
          await load.holdLongCommands();
          const startedAt = Date.now();
          await Promise.all(victims.map((v) => deployment.kill(v.name)));
          load.releaseLongCommands();
          // The import, while one replica of every service is down.
          importOp = load.importClients(12);
          await probe('replicas');
          await sleep(Math.max(0, REPLICA_OUTAGE_MS - (Date.now() - startedAt)));
          const restartedAt = Date.now();
          await Promise.all(victims.map((v) => deployment.restart(v.name)));
          const healthyAt = Date.now();
          await sleep(1000);
          phases.push({
            fault: 'SIGKILL of one replica of each of the 6 services at once under load, restarted (an import meanwhile)',
            startedAt,
            endedAt: Date.now(),
            detail: `${victims.map((v) => v.name).join(', ')} (holding ${leasesLost} of ${Object.keys(holders).length} leases) down ${restartedAt - startedAt} ms, all healthy ${healthyAt - restartedAt} ms after the restart`,
          });
        }

        // 3. pg_terminate_backend on every connection of the clients service (both replicas, every store), a few times.
        {
          const startedAt = Date.now();
          let terminated = 0;
          for (let round = 0; round < TERMINATIONS; round++) {
            const { rows } = await withDatabase(plan.adminUrl, (db) =>
              db.query<{ pid: number }>(
                `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'clientele-clients-%' AND pg_terminate_backend(pid)`,
                [database.name],
              ),
            );
            terminated += rows.length;
            if (round === 0) await probe('postgres');
            await sleep(500);
          }
          await sleep(2000);
          phases.push({
            fault: 'pg_terminate_backend on every PostgreSQL connection of the clients service under load',
            startedAt,
            endedAt: Date.now(),
            detail: `${TERMINATIONS} rounds 500 ms apart, ${terminated} connections terminated (events, read models, keys, listeners of both replicas)`,
          });
        }
        faultsDone = true;
      } finally {
        await load.stop(faultsDone ? 60_000 : 0);
      }
      await importOp;
      const loadStopped = Date.now();

      // Convergence: every buyer enrolled and every mail sent (a message in flight in a killed
      // consumer comes back after the ack wait). A poll that runs out is not thrown: the checks
      // below then say precisely what is missing.
      const acknowledged = load.acknowledged;
      const listClients = () => listAllClients(business.admin);
      const buyers = acknowledged.filter((o) => o.kind === 'checkout').map((o) => o.emails[0]);
      const expectedMails = new Map<string, Map<MailKind, number>>();
      for (const op of acknowledged) {
        for (const { to, kind } of op.mails) {
          const kinds = expectedMails.get(to) ?? new Map<MailKind, number>();
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
          expectedMails.set(to, kinds);
        }
      }
      const expectedCount = (to: string) => [...(expectedMails.get(to)?.values() ?? [])].reduce((a, b) => a + b, 0);
      const mailCounts = () =>
        withDatabase(database.url, async (db) => {
          const { rows } = await db.query<{ to: string; n: string }>(`SELECT doc ->> 'toKey' AS to, count(*) AS n FROM notifications_rm.rm_dev_mailbox WHERE NOT deleted GROUP BY 1`);
          return new Map(rows.map((r) => [r.to, Number(r.n)]));
        });
      const allEnrolled = await poll('every acknowledged buyer is enrolled', 90_000, async () => {
        const emails = new Set((await listClients()).map((c) => c.email));
        return buyers.every((email) => emails.has(email)) ? true : undefined;
      }, 500).catch(() => false);
      const allMailed = await poll('every expected mail is sent', 90_000, async () => {
        const counts = await mailCounts();
        return [...expectedMails.keys()].every((to) => (counts.get(to) ?? 0) >= expectedCount(to)) ? true : undefined;
      }, 500).catch(() => false);
      const convergedAfter = Date.now() - loadStopped;
      await sleep(1500); // room for a duplicate to show up
      const clients = await listClients();
      const purchasesOf = new Map<string, number>();
      await mapLimit(clients.filter((c) => buyers.includes(c.email)), 6, async (c) => {
        purchasesOf.set(c.email, (await business.admin.get(`/api/v1/clients/${c.id}/purchases`)).body.items.length);
      });

      // The stores, read straight from PostgreSQL.
      const [clientsLog, billingLog, identityLog, messagingLog] = await Promise.all(['clients', 'billing', 'identity', 'messaging'].map((schema) => serviceEvents(database.url, schema)));
      const sent = await serviceDocuments<{ id: string; toKey: string; kind: MailKind }>(database.url, 'notifications', 'dev_mailbox');
      const mails = new Map<string, MailKind[]>();
      for (const mail of sent) mails.set(mail.toKey, [...(mails.get(mail.toKey) ?? []), mail.kind]);
      const roster = clientsLog.stream(`roster-${business.accountId}`).filter((e) => e.type === 'ClientEnrolled');
      const enrolments = new Map<string, number>();
      for (const e of roster) {
        const { clientId } = e.data as { clientId: string };
        enrolments.set(clientId, (enrolments.get(clientId) ?? 0) + 1);
      }
      const invitationsOf = (clientId: string) => identityLog.count(`clientlogin-${clientId}`, 'ClientInvitationIssued');
      const lastOpFor = new Map<string, LoadOp>();
      for (const op of acknowledged) for (const email of op.emails) lastOpFor.set(email, op);
      const byEmail = new Map<string, typeof clients>();
      for (const c of clients) byEmail.set(c.email, [...(byEmail.get(c.email) ?? []), c]);

      const verdicts = acknowledged.map((op) => {
        const missing: string[] = [];
        const twice: string[] = [];
        const exactlyOnce = (what: string, n: number) => (n === 0 ? missing.push(what) : n > 1 ? twice.push(`${what} x${n}`) : undefined);
        const added = (id: string, what: string) => {
          exactlyOnce(`ClientAdded of ${what}`, clientsLog.count(`client-${id}`, 'ClientAdded'));
          exactlyOnce(`ClientEnrolled of ${what}`, enrolments.get(id) ?? 0);
        };
        switch (op.kind) {
          case 'add': {
            const id = op.clientId!;
            if (id !== deterministicId('client', business.accountId, op.key)) twice.push(`another client id ${id} than the key names`);
            added(id, 'the client');
            if (op.mails.length) exactlyOnce('ClientInvitationIssued on add', invitationsOf(id));
            break;
          }
          case 'change': {
            const stream = `client-${op.clientId}`;
            const event = clientsLog.byId.get(deterministicEventId(stream, `change-type:${op.key}`, 0));
            if (!event || event.type !== 'ClientTypeChanged' || (event.data as { to: string }).to !== op.to) missing.push(`ClientTypeChanged to ${op.to}`);
            exactlyOnce('ClientTypeChanged', clientsLog.count(stream, 'ClientTypeChanged'));
            if (op.mails.length) exactlyOnce('ClientInvitationIssued on change', invitationsOf(op.clientId!));
            const now = clients.find((c) => c.id === op.clientId);
            if (now?.type !== op.to) missing.push(`read model type ${op.to} (is ${now?.type})`);
            break;
          }
          case 'message': {
            const sentEvents = messagingLog.stream(`thread-${op.clientId}`).filter((e) => e.type === 'MessageSent');
            exactlyOnce('MessageSent', sentEvents.length);
            if (sentEvents.length && (sentEvents[0].data as { messageId: string }).messageId !== op.acknowledged!.body.id) twice.push('another message than the one acknowledged');
            break;
          }
          case 'checkout': {
            const purchaseId = deterministicId('purchase', product.id, op.key);
            if (op.acknowledged!.body.purchaseId !== purchaseId) twice.push('another purchase id than the key names');
            exactlyOnce('ProductPurchased', billingLog.count(`purchase-${purchaseId}`, 'ProductPurchased'));
            const enrolled = byEmail.get(op.emails[0]) ?? [];
            exactlyOnce('the buyer as a client', enrolled.length);
            for (const c of enrolled) {
              added(c.id, 'the buyer');
              exactlyOnce('ClientInvitationIssued of the buyer', invitationsOf(c.id));
              if (c.type !== product.clientType || c.status !== 'active') missing.push(`buyer active as ${product.clientType} (is ${c.status} ${c.type})`);
            }
            exactlyOnce('the purchase on the client', purchasesOf.get(op.emails[0]) ?? 0);
            break;
          }
          case 'bulk': {
            const outcomes = new Map((op.acknowledged!.body.results as Array<{ clientId: string; outcome: string }>).map((r) => [r.clientId, r.outcome]));
            for (const id of op.clientIds!) {
              if (outcomes.get(id) === 'failed') missing.push(`bulk outcome for ${id}: failed`);
              exactlyOnce(`ClientTypeChanged of bulk client ${id}`, clientsLog.count(`client-${id}`, 'ClientTypeChanged'));
              exactlyOnce(`ClientInvitationIssued of bulk client ${id}`, invitationsOf(id));
              const now = clients.find((c) => c.id === id);
              if (now?.type !== BULK_TO) missing.push(`bulk client ${id} as ${BULK_TO} (is ${now?.type})`);
            }
            break;
          }
          case 'import': {
            if (op.acknowledged!.body.created !== op.rows!.length || op.acknowledged!.body.failedCount !== 0) missing.push(`import answer ${JSON.stringify(op.acknowledged!.body)}`);
            for (const { email, row } of op.rows!) {
              const id = deterministicId('import', business.accountId, op.key, row);
              added(id, `imported row ${row}`);
              exactlyOnce(`ClientInvitationIssued of imported row ${row}`, invitationsOf(id));
              const listed = byEmail.get(email) ?? [];
              if (listed.length !== 1 || listed[0].id !== id) missing.push(`imported row ${row} listed once as ${id} (listed: ${listed.map((c) => c.id).join(', ')})`);
            }
            break;
          }
        }
        // Mails are judged once per address, on the command that comes last for it.
        for (const email of op.emails) {
          if (lastOpFor.get(email) !== op) continue;
          const got = mails.get(email) ?? [];
          for (const kind of ['invitation', 'new_message'] as const) {
            const expected = expectedMails.get(email)?.get(kind) ?? 0;
            const n = got.filter((k) => k === kind).length;
            if (n < expected) missing.push(`${expected - n} ${kind} mail(s) to ${email}`);
            if (n > expected) twice.push(`${n - expected} extra ${kind} mail(s) to ${email}`);
          }
          const other = got.filter((k) => k !== 'invitation' && k !== 'new_message');
          if (other.length) twice.push(`unexpected mails to ${email}: ${other.join(', ')}`);
        }
        return { op, missing, twice };
      });

      // Nothing recorded that nobody was told about: enrolments are exactly the acknowledged adds, buyers and imported rows.
      const expectedEnrolments =
        acknowledged.filter((o) => o.kind === 'add').length + buyers.length + acknowledged.filter((o) => o.kind === 'import').reduce((n, o) => n + o.rows!.length, 0);
      const gaveUp = load.ops.filter((o) => !o.acknowledged);
      const failed: Attempt[] = load.ops.flatMap((o) => o.attempts);

      // ops verify: every projection set of every service against a replay of its events.
      const verify = await opsVerifyAll(environments.get('clients#1')!, deployment.dataRoot);
      const drift = verify.results.filter((r) => r.differences.length > 0);

      // The report: one row per fault, for the commands first sent in its phase.
      const phaseOf = (op: LoadOp) => {
        const index = phases.findIndex((p) => op.startedAt < p.endedAt);
        return index === -1 ? phases.length - 1 : index;
      };
      phases.forEach((phase, index) => {
        const mine = verdicts.filter((v) => phaseOf(v.op) === index);
        const attempts = load.ops.filter((o) => phaseOf(o) === index).flatMap((o) => o.attempts);
        const retried = load.ops.filter((o) => phaseOf(o) === index && o.attempts.length > 0 && o.acknowledged).length;
        recordFault({
          fault: `${phase.fault} (production rehearsal)`,
          injected: 1,
          acknowledged: mine.length,
          found: mine.filter((v) => v.missing.length === 0).length,
          duplicates: mine.reduce((n, v) => n + v.twice.length, 0),
          lost: mine.filter((v) => v.missing.length > 0).length,
          note:
            `commands first sent in this phase (the first phase includes the warm-up); ${phase.detail}; ` +
            (attempts.length ? `failed attempts: ${describeAttempts(attempts)}; ${retried} commands acknowledged on a retry with their key` : 'no request failed') +
            (index === phases.length - 1
              ? `; then ${allEnrolled && allMailed ? 'converged' : 'had NOT converged'} ${convergedAfter} ms after the load stopped; ops verify: ${drift.length || verify.exitCode ? 'DIFFERENCES' : `${verify.results.length} projection sets identical to a replay`}`
              : ''),
        });
      });
      const byKind = (kind: LoadOp['kind']) => acknowledged.filter((o) => o.kind === kind).length;
      console.log(
        `rehearsal load ${loadStopped - loadStarted} ms: ${acknowledged.length} commands acknowledged (${byKind('add')} adds, ${byKind('change')} type changes, ${byKind('message')} messages, ` +
          `${byKind('checkout')} purchases, ${byKind('bulk')} bulk changes, ${byKind('import')} import), ${failed.length} failed attempts (${describeAttempts(failed) || 'none'}); ` +
          `converged ${convergedAfter} ms after the load stopped; ops verify ${verify.ms} ms; test ${Date.now() - testStarted} ms\n` +
          phases.map((p) => `  ${p.fault}: ${p.detail}`).join('\n') +
          `\nprobes while a part was down:\n${probeResults.map((p) => `  ${p.fault}: ${p.name} -> ${p.status} ${p.code ?? ''} in ${p.ms} ms`).join('\n')}`,
      );

      // What the processes logged as errors: the first place to look when a check below fails.
      const errors = SERVICES.flatMap((service) =>
        [1, 2].flatMap((index) =>
          deployment
            .output(`${service}#${index}`)
            .split('\n')
            .filter((line) => /"level":"error"/.test(line))
            .map((line) => `${service}#${index}: ${line.slice(0, 1500)}`),
        ),
      );
      if (errors.length) console.log(`errors the processes logged (${errors.length}, the first 15):\n${errors.slice(0, 15).join('\n')}`);

      const badProbes = probeResults.filter(
        (p) => !(p.status >= 200 && p.status < 300) && !(p.status === 503 && /^application\/(problem\+)?json/.test(p.contentType ?? '') && p.ms < FAIL_FAST_MS && (p.name === 'GET /health' || p.code === 'unavailable')),
      );
      const failedAttempts = load.ops.flatMap((o) => unexpectedFailures(o.attempts, FAIL_FAST_MS).map((a) => ({ kind: o.kind, status: a.status, code: a.code, ms: a.ms, at: a.at - loadStarted, body: JSON.stringify(a.body).slice(0, 300) })));
      // Every finding at once, so that one run says all that went wrong.
      expect({
        badProbes,
        gaveUp: gaveUp.map((o) => ({ kind: o.kind, refused: o.refused, attempts: describeAttempts(o.attempts) })),
        unexpectedAttempts: failedAttempts,
        wrongVerdicts: verdicts.filter((v) => v.missing.length || v.twice.length).map((v) => ({ kind: v.op.kind, phase: phaseOf(v.op), emails: v.op.emails.slice(0, 3), missing: v.missing, twice: v.twice })),
        enrolments: roster.length,
        mailsToNobodyExpected: [...mails].filter(([to]) => !expectedMails.has(to)),
        verify: { exitCode: verify.exitCode, drift, stderr: verify.stderr.slice(0, 2000) },
      }).toEqual({
        badProbes: [],
        gaveUp: [],
        unexpectedAttempts: [],
        wrongVerdicts: [],
        enrolments: expectedEnrolments,
        mailsToNobodyExpected: [],
        verify: { exitCode: 0, drift: [], stderr: '' },
      });
      expect(verify.results.length).toBeGreaterThanOrEqual(5);
      for (const kind of ['add', 'change', 'message', 'checkout', 'bulk', 'import'] as const) expect({ kind, acknowledged: byKind(kind) > 0 }).toEqual({ kind, acknowledged: true });
    }, 300_000);
  });
}
