import { PROJECTION_SETS } from '@clientele/host';
import type { DeadLetter, EventBus, EventConsumer, IntegrationEvent } from '@clientele/platform/bus';
import { loadConfig, type ClienteleConfig } from '@clientele/platform/config';
import { TestDatabase, createTestDatabase, planPostgres, skipSuite } from '@clientele/platform/testing';
import { openEventBus } from '@clientele/platform/runtime';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { runOps } from '../apps/ops/src/main';
import { OpsContext, type OpsOutput } from '../apps/ops/src/ops-context';
import { AUDIT_RUN_RECORDED, openOpsEventStore } from '../apps/ops/src/audit/audit-log';
import { parseTailOptions, tailEvents } from '../apps/ops/src/tail/tail.command';
import { until } from './support/faults-load';
import { Business, PASSWORD, mailToken, newClient, signUp } from './support/http';
import { RunningSystem, startInProcess } from './support/in-process';
import { removeNamespace } from './support/nats-cleanup';

/**
 * Issue 18, item 5: the ops tool on the PostgreSQL profile. The whole system runs in this process
 * with the production PostgreSQL profile's adapters (PostgreSQL event and document stores in a
 * database of this run's own, the NATS JetStream bus under a private namespace), real data goes in
 * through the HTTP API, and every ops command runs through `runOps` with the same configuration as
 * the services, while they keep running.
 */
const plan = planPostgres('ops on PostgreSQL e2e suite');

type Captured = OpsOutput & { stdout: string; stderr: string };
function captured(): Captured {
  const output = { stdout: '', stderr: '', interactive: false, out: (t: string) => void (output.stdout += t), err: (t: string) => void (output.stderr += t) };
  return output;
}

if (plan.kind === 'skip') {
  describe('ops on the PostgreSQL profile', () => skipSuite(plan));
} else {
  describe('ops on the PostgreSQL profile (PostgreSQL stores, NATS bus, services running)', () => {
    const namespace = `e2e-ops-pg-${randomUUID().slice(0, 8)}`;
    let database: TestDatabase;
    let system: RunningSystem;
    let business: Business;
    /** The profile's settings, shared by the services and the ops tool (as in production). */
    let settings: Record<string, string>;
    const clientIds: string[] = [];
    /** Accepted the invitation (a login with a password hash in identity's events), then set to offline. */
    let member: { id: string; email: string };
    let deletedId: string;

    const opsConfig = (): ClienteleConfig => loadConfig({ ...settings, CLIENTELE_POSTGRES_POOL_SIZE: '2', DATA_DIR: system.dataDir });
    const ops = async (args: string[]) => {
      const output = captured();
      const code = await runOps(args, () => new OpsContext(opsConfig(), output, 'test-operator'));
      return { code, stdout: output.stdout, stderr: output.stderr };
    };
    const pgQuery = async <T extends Record<string, unknown>>(sql: string): Promise<T[]> => {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query<T>(sql)).rows;
      } finally {
        await client.end();
      }
    };
    const listClients = async () => {
      const listed = await business.admin.get('/api/v1/clients?pageSize=100');
      expect(listed.status).toBe(200);
      return listed.body as { total: number; items: Array<Record<string, unknown>> };
    };

    beforeAll(async () => {
      database = await createTestDatabase(plan.adminUrl);
      settings = {
        CLIENTELE_PROFILE: 'distributed',
        CLIENTELE_EVENT_STORE: 'postgres',
        CLIENTELE_DOCUMENT_STORE: 'postgres',
        POSTGRES_URL: database.url,
        CLIENTELE_POSTGRES_POOL_SIZE: '3',
        CLIENTELE_MAIL: 'dev-mailbox',
        CLIENTELE_NATS_NAMESPACE: namespace,
        NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
        // This suite is about the ops tool, not answer times: in CI it runs beside the production
        // rehearsal (14 processes on the same PostgreSQL cluster and 2 cores), where an add has
        // taken longer than the default 5 s to answer.
        CLIENTELE_REQUEST_TIMEOUT_MS: '30000',
      };
      system = await startInProcess(settings);
      business = await signUp(system.api);
      const add = async (overrides: Record<string, unknown>) => {
        const added = await business.admin.post('/api/v1/clients', newClient(overrides));
        if (added.status !== 201) throw new Error(`adding a client failed: ${added.status} ${JSON.stringify(added.body)}`);
        clientIds.push(added.body.id);
        return added.body as { id: string; email: string };
      };
      member = await add({ firstName: 'Grace', lastName: 'Hopper', type: 'full_access' });
      for (let i = 0; i < 5; i++) await add({ lastName: `Client${i}`, type: i % 2 === 0 ? 'offline' : 'full_access' });
      const token = await mailToken(system.api, member.email, 'invitation', 20_000);
      expect((await system.api.post('/api/v1/auth/accept-invitation', { token, password: PASSWORD })).status).toBe(200);
      expect((await business.admin.put(`/api/v1/clients/${member.id}/type`, { type: 'offline' })).status).toBe(200);
      expect((await business.admin.post('/api/v1/clients/bulk/type', { clientIds: clientIds.slice(1, 4), type: 'full_access_one_way' })).status).toBe(200);
      deletedId = clientIds[5];
      expect((await business.admin.call('DELETE', `/api/v1/clients/${deletedId}`)).status).toBe(204);
      expect((await business.admin.post(`/api/v1/clients/${clientIds[1]}/notes`, { body: 'Knee injury: no squats' })).status).toBe(201);
      expect((await business.admin.post('/api/v1/products', { name: '12-week strength', price: { amount: 4900, currency: 'EUR' } })).status).toBe(201);
      // The last writes are in the read models: verify compares caught-up projections, not lag.
      await until('the last writes projected', 30_000, async () => {
        const [client, products] = await Promise.all([business.admin.get(`/api/v1/clients/${clientIds[1]}`), business.admin.get('/api/v1/products')]);
        return client.body.notes?.length === 1 && products.body.items?.length === 1;
      });
    }, 90_000);

    afterAll(async () => {
      // Each step runs even if an earlier one failed: no process, stream or database is left behind.
      await system?.stop().catch((error) => console.error(`stopping the system: ${String(error)}`));
      await removeNamespace(namespace).catch(() => undefined);
      await database?.drop();
    }, 60_000);

    it('verify finds every projection identical to a replay of its PostgreSQL events', async () => {
      const verified = await ops(['verify']);
      expect({ code: verified.code, stderr: verified.stderr, differing: verified.stdout.match(/^\S.* differ$|^ {2}\S.*$/gm) }).toEqual({ code: 0, stderr: '', differing: null });
      for (const set of PROJECTION_SETS) {
        expect(verified.stdout).toMatch(new RegExp(`^${set.name}: \\d+ documents replayed to position \\d+, identical to the live read model$`, 'm'));
      }
      expect(verified.stdout).not.toContain('note:');
      expect(verified.stdout).toMatch(/^clients: [1-9]\d* documents/m);
    }, 60_000);

    it('rebuild swaps the new tables in at once while the API keeps answering the same lists; verify stays clean after', async () => {
      const before = await listClients();
      expect(before.total).toBe(clientIds.length - 1);
      const note = (await business.admin.get(`/api/v1/clients/${clientIds[1]}`)).body.notes;
      expect(note).toHaveLength(1);

      const liveTable = () => pgQuery<{ oid: number }>(`SELECT 'clients_rm.rm_clients'::regclass::oid AS oid`);
      const [tableBefore] = await liveTable();

      // Readers during the whole rebuild: a swap that was not atomic would show them an empty or
      // partial roster (or an error) at some point.
      let rebuilding = true;
      const seen: string[] = [];
      const reader = (async () => {
        while (rebuilding) {
          const listed = await business.admin.get('/api/v1/clients?pageSize=100');
          seen.push(listed.status === 200 ? JSON.stringify(listed.body) : `status ${listed.status}`);
        }
      })();
      const rebuilt = await ops(['rebuild', '--all']).finally(() => (rebuilding = false));
      await reader;
      expect({ code: rebuilt.code, stderr: rebuilt.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/error|fail/i) });
      for (const set of PROJECTION_SETS) expect(rebuilt.stdout).toMatch(new RegExp(`^${set.name}: rebuilt from the first event, \\d+ events .* now live at position \\d+$`, 'm'));
      expect(rebuilt.stderr).toMatch(/swapping/);
      expect(seen.length).toBeGreaterThan(0);
      expect([...new Set(seen)]).toEqual([JSON.stringify(before)]);

      // The shadow tables became the live ones (the roster is a new table), and none is left beside them.
      expect(await liveTable()).not.toEqual([tableBefore]);
      expect(await pgQuery(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_name LIKE '%\\_\\_rebuild'`)).toEqual([]);

      expect(await listClients()).toEqual(before);
      expect((await business.admin.get(`/api/v1/clients/${clientIds[1]}`)).body.notes).toEqual(note);
      expect((await business.admin.get(`/api/v1/clients/${deletedId}`)).status).toBe(404);
      // The services carry on from the moved checkpoints, on the swapped tables.
      // Right after the swap the services replay from their moved checkpoints; on a loaded machine an
      // add may be recorded before its read model has caught up, and answers 503 "recorded, read
      // model behind". A client retries with the same Idempotency-Key, which completes, never twice.
      const afterBody = newClient({ lastName: 'AfterRebuild', type: 'offline' });
      const afterKey = randomUUID();
      const after = await until('the add after the rebuild answers 201', 30_000, async () => {
        const answer = await business.admin.post('/api/v1/clients', afterBody, { 'idempotency-key': afterKey });
        if (answer.status === 503 && answer.body?.code === 'unavailable') return null;
        expect(answer.status).toBe(201);
        return answer;
      });
      await until('the client added after the rebuild is listed', 15_000, async () => (await listClients()).items.some((c) => c.id === after.body.id));
      expect((await business.admin.get('/api/v1/clients?search=afterrebuild')).body.total).toBe(1);

      const verified = await ops(['verify']);
      expect({ code: verified.code, stderr: verified.stderr, differing: verified.stdout.match(/^\S.* differ$|^ {2}\S.*$/gm) }).toEqual({ code: 0, stderr: '', differing: null });
    }, 90_000);

    it("audit replays a client's trail across services, without the password hash", async () => {
      const audited = await ops(['audit', 'client', member.id, '--json']);
      expect({ code: audited.code, stderr: audited.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('this audit run was recorded') });
      const rows = JSON.parse(audited.stdout) as Array<{ service: string; stream: string; event: string; changes: string; typeTransition: string }>;
      expect(rows.filter((r) => r.service === 'clients').map((r) => [r.stream, r.event, r.typeTransition])).toEqual([
        [`client-${member.id}`, 'ClientAdded', ''],
        [`client-${member.id}`, 'ClientAppAccessActivated', ''],
        [`client-${member.id}`, 'ClientTypeChanged', 'full_access→offline'],
      ]);
      expect(rows.find((r) => r.event === 'ClientAdded')!.changes).toContain('Grace Hopper');
      const identityEvents = rows.filter((r) => r.service === 'identity').map((r) => r.event);
      expect(identityEvents).toEqual(expect.arrayContaining(['ClientInvitationIssued', 'ClientAccessRevoked']));

      // Identity's events do hold the hash of the password the client chose; the audit shows none of it.
      const hashes: string[] = [];
      const context = new OpsContext(opsConfig(), captured(), 'test-operator');
      try {
        for (const event of await (await context.eventStore('identity')).readAll()) {
          JSON.stringify(event.data, (key, value) => {
            if (/passwordhash/i.test(key) && typeof value === 'string') hashes.push(value);
            return value;
          });
        }
      } finally {
        await context.close();
      }
      expect(hashes.length).toBeGreaterThan(0);
      const everything = await ops(['audit', 'events', '--account', business.accountId, '--json']);
      expect(everything.code).toBe(0);
      for (const output of [audited.stdout, everything.stdout]) {
        for (const hash of hashes) expect(output).not.toContain(hash);
        expect(output).not.toMatch(/scrypt\$/);
        expect(output).not.toContain(PASSWORD);
      }

      // A deleted client's trail: the deletion, and the personal data erased (its key was shredded).
      const deleted = await ops(['audit', 'client', deletedId, '--csv']);
      expect(deleted.code).toBe(0);
      expect(deleted.stdout).toContain('client deleted; personal data erased');
      expect(deleted.stdout).toContain('[erased]');

      // The runs are recorded in the ops schema of the same PostgreSQL database. A reader sees them
      // once no older transaction of the cluster is open (the store's gap-free order): in CI another
      // suite holds one open for 12 s on purpose (postgres-event-store.int.spec.ts), and a read
      // meanwhile answers what it can see after 5 s. So look until all three show.
      const store = await openOpsEventStore(opsConfig());
      try {
        const recordedRuns = async () => (await store.readAll()).filter((e) => e.type === AUDIT_RUN_RECORDED).map((e) => e.data);
        const runs = await until('the three audit runs are readable', 30_000, async () => {
          const read = await recordedRuns();
          return read.length >= 3 ? read : null;
        });
        expect(runs).toEqual([
          expect.objectContaining({ operator: 'test-operator', command: 'audit client', arguments: ['client', member.id, '--json'], resultCount: rows.length }),
          expect.objectContaining({ command: 'audit events' }),
          expect.objectContaining({ command: 'audit client', arguments: ['client', deletedId, '--csv'] }),
        ]);
      } finally {
        await store.close();
      }
    }, 90_000);

    it('dead-letters lists a real event a consumer gave up on, and retry hands it back to that consumer', async () => {
      // A durable consumer of the clients stream, on the system's own bus, whose downstream is down:
      // the deletion event fails on each of its deliveries and goes to the dead letters.
      const bus: EventBus = await openEventBus(opsConfig(), 'ops-pg-e2e-consumer');
      let consumer: EventConsumer | undefined;
      try {
        let downstreamUp = false;
        const handled: Array<{ event: IntegrationEvent; deliveryCount: number }> = [];
        consumer = await bus.consume(
          { durableName: 'opsprobe--clients', sourceService: 'clients', subjects: ['clients.client.deleted.v1'], maxDeliveries: 2, retryDelaysMs: [50] },
          async (event, delivery) => {
            if (!downstreamUp) throw new Error('downstream answered 503');
            handled.push({ event, deliveryCount: delivery.deliveryCount });
          },
        );
        const letter = await until('the deletion in the dead letters', 30_000, async () => {
          const listed = await ops(['dead-letters', 'list', '--consumer', 'opsprobe--clients', '--json']);
          expect(listed.code).toBe(0);
          return (JSON.parse(listed.stdout) as DeadLetter[])[0];
        });
        expect(letter).toMatchObject({
          durableName: 'opsprobe--clients',
          deliveries: 2,
          error: 'Error: downstream answered 503',
          event: { subject: 'clients.client.deleted.v1', data: expect.objectContaining({ clientId: deletedId }) },
        });
        const table = await ops(['dead-letters', 'list']);
        expect(table.stdout).toMatch(/^ID\s+CONSUMER\s+SUBJECT\s+DELIVERIES\s+DEAD AT\s+ERROR$/m);
        expect(table.stdout).toContain(letter.id);

        downstreamUp = true;
        expect(await ops(['dead-letters', 'retry', letter.id])).toEqual({ code: 0, stdout: '', stderr: '1 dead letter(s) handed back to its consumer.\n' });
        await until('the retried event handled', 30_000, async () => handled.length > 0);
        expect(handled.map((h) => [h.event.id, h.deliveryCount])).toEqual([[letter.event.id, 1]]);
        expect((await ops(['dead-letters', 'list'])).stdout).toBe('No dead letters.\n');
        expect(await ops(['dead-letters', 'retry', letter.id])).toMatchObject({ code: 1, stderr: expect.stringContaining(`No dead letter ${letter.id}`) });
      } finally {
        await consumer?.stop();
        await bus.close();
      }
    }, 60_000);

    it('events tail follows new events from the PostgreSQL event stores, and replays a stream from the start', async () => {
      const context = new OpsContext(opsConfig(), captured(), 'test-operator');
      const output = context.output as Captured;
      const stop = new AbortController();
      // A bound: a tail that never saw its events would fail the test here instead of hanging.
      const bound = setTimeout(() => stop.abort(), 30_000);
      try {
        const following = tailEvents(context, parseTailOptions(['--type', 'ClientAdded,ClientTypeChanged', '--limit', '2']), stop.signal);
        await until('the tail follows every service', 15_000, async () => output.stderr.includes('Following'));
        const added = await business.admin.post('/api/v1/clients', newClient({ lastName: 'Tailed', type: 'offline' }));
        expect(added.status).toBe(201);
        expect((await business.admin.put(`/api/v1/clients/${added.body.id}/type`, { type: 'full_access' })).status).toBe(200);
        await following;
        expect(stop.signal.aborted).toBe(false);
        const lines = output.stdout.trim().split('\n');
        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\S+Z {2}clients {4}client-${added.body.id} {2}ClientAdded {2}${business.ownerId} \\(admin\\) {2}@\\d+$`));
        expect(lines[1]).toMatch(new RegExp(`clients {4}client-${added.body.id} {2}ClientTypeChanged `));
      } finally {
        clearTimeout(bound);
        await context.close();
      }

      const replayed = captured();
      const fromStart = new OpsContext(opsConfig(), replayed, 'test-operator');
      const replayStop = new AbortController();
      const replayBound = setTimeout(() => replayStop.abort(), 30_000);
      try {
        await tailEvents(fromStart, parseTailOptions(['--service', 'clients', '--stream', `client-${member.id}`, '--from-start', '--limit', '3', '--json']), replayStop.signal);
        expect(replayStop.signal.aborted).toBe(false);
        const events = replayed.stdout.trim().split('\n').map((line) => JSON.parse(line));
        expect(events.map((e) => [e.service, e.stream, e.type])).toEqual([
          ['clients', `client-${member.id}`, 'ClientAdded'],
          ['clients', `client-${member.id}`, 'ClientAppAccessActivated'],
          ['clients', `client-${member.id}`, 'ClientTypeChanged'],
        ]);
      } finally {
        clearTimeout(replayBound);
        await fromStart.close();
      }
    }, 60_000);
  });
}
