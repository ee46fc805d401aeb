import { createTestDatabase, planPostgres, skipSuite, type TestDatabase } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distributedSettings, newNamespace } from './support/deployments';
import { Api, newClient, signUp } from './support/http';
import { removeNamespace } from './support/nats-cleanup';
import { ClienteleProcess, compiledClientele, freePort, spawnClientele, stopAll, waitUntilHealthy } from './support/processes';

/**
 * Issue 24, item 7: a stop is quiet. A normal SIGTERM of `npm start` logged about fifteen
 * `level: error` lines ("The database connection is not open"): the stores closed while the
 * processors, the outbox relays and the bus consumers were still at work. Every one of them stops
 * before the stores close, so a stop logs no error: in one process (`npm start`) and in the
 * production profile's own processes (one per service, PostgreSQL stores, NATS).
 */

const SERVICES = ['gateway', 'identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications'];

/**
 * These suites are about stopping, not latency: on a loaded CI machine, some of the first adds to
 * seven freshly started processes waited past the default 5 s and were answered 503, which is right
 * for overload but not what is tested here (as in the notes and CSV suites).
 */
const PATIENT = { CLIENTELE_REQUEST_TIMEOUT_MS: '30000' };

/** Log lines at level error (or worse), and any line that tells of a store used after it closed. */
function troubles(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      if (/not open|Cannot use a pool after calling end|Client was closed|connection (is )?closed/i.test(line)) return true;
      try {
        const level = (JSON.parse(line) as { level?: unknown }).level;
        return level === 'error' || level === 'fatal';
      } catch {
        return false;
      }
    });
}

/**
 * Work that keeps the processors, outbox relays and consumers busy when the signal comes: a
 * business and its clients (invitation mails, roster projections, seats), and more adds still in
 * flight, not awaited.
 */
async function busyWork(api: Api): Promise<void> {
  const business = await signUp(api);
  const added = await Promise.all(Array.from({ length: 10 }, () => business.admin.post('/api/v1/clients', newClient())));
  expect(added.map((answer) => answer.status)).toEqual(added.map(() => 201));
  void Promise.allSettled(Array.from({ length: 10 }, () => business.admin.post('/api/v1/clients', newClient({ type: 'offline' }))));
}

async function stopped(process: ClienteleProcess): Promise<{ service: string; code: number | null; troubles: string[] }> {
  process.child.kill('SIGTERM');
  const code = await process.exited;
  return { service: process.name, code, troubles: troubles(process.output()) };
}

/** Clientele's processes for one `describe`, started as `npm start` and the production compose files start them. */
function processesForSuite(spawnAll: (port: number) => Promise<ClienteleProcess[]>, startTimeoutMs: number) {
  const running = { processes: [] as ClienteleProcess[] } as { api: Api; processes: ClienteleProcess[] };
  beforeAll(async () => {
    const port = await freePort();
    running.processes = await spawnAll(port);
    running.api = new Api(`http://127.0.0.1:${port}`);
    await waitUntilHealthy(running.api, running.processes);
  }, startTimeoutMs);
  afterAll(() => stopAll(running.processes), 60_000);
  return running;
}

function dataFolderForSuite(): () => string {
  let root: string | undefined;
  afterAll(() => root && rmSync(root, { recursive: true, force: true }));
  return () => (root ??= mkdtempSync(join(tmpdir(), 'clientele-e2e-stop-')));
}

describe('a stop is quiet (issue 24, item 7)', () => {
  describe('npm start (one process, SQLite)', () => {
    const dataDir = dataFolderForSuite();
    const running = processesForSuite(async (port) => [spawnClientele('clientele', { ...PATIENT, PORT: String(port), DATA_DIR: dataDir() })], 120_000);

    it('stops on SIGTERM with exit code 0 and no error logged, while processors and consumers are busy', async () => {
      await busyWork(running.api);
      const signalled = Date.now();
      expect(await stopped(running.processes[0])).toEqual({ service: 'clientele', code: 0, troubles: [] });
      // Not held by the connections of the adds in flight: kept alive after their answers, they held
      // the stop for Fastify's keep-alive timeout (72 s; the stop took 70 s in three runs of four).
      expect(Date.now() - signalled).toBeLessThan(30_000);
    }, 120_000);
  });

  const postgres = planPostgres('stop-quiet e2e suite, production profile');
  if (postgres.kind === 'skip') {
    describe('the production profile (a process per service, PostgreSQL, NATS)', () => skipSuite(postgres));
    return;
  }

  describe('the production profile (a process per service, PostgreSQL, NATS)', () => {
    const namespace = newNamespace();
    const dataDir = dataFolderForSuite();
    let database: TestDatabase | undefined;
    afterAll(async () => {
      await removeNamespace(namespace).catch(() => undefined);
      await database?.drop();
    }, 60_000);
    const running = processesForSuite(async (port) => {
      database = await createTestDatabase(postgres.adminUrl);
      const common = {
        ...distributedSettings(namespace),
        CLIENTELE_EVENT_STORE: 'postgres',
        CLIENTELE_DOCUMENT_STORE: 'postgres',
        POSTGRES_URL: database.url,
        CLIENTELE_POSTGRES_POOL_SIZE: '3',
        JWT_SECRET: randomUUID() + randomUUID(),
        PORT: String(port),
        ...PATIENT,
      };
      return SERVICES.map((service) => spawnClientele(service, { ...common, CLIENTELE_SERVICES: service, DATA_DIR: join(dataDir(), service) }, compiledClientele().app(service)));
    }, 240_000);

    it('stops the clients service on SIGTERM with exit code 0 and no error logged, while it is busy', async () => {
      await busyWork(running.api);
      const clients = running.processes.find((p) => p.name === 'clients')!;
      expect(await stopped(clients)).toEqual({ service: 'clients', code: 0, troubles: [] });
    }, 120_000);

    it('stops every other service at once (compose down) with exit code 0 and no error logged', async () => {
      const others = running.processes.filter((p) => p.name !== 'clients');
      expect(await Promise.all(others.map(stopped))).toEqual(others.map((p) => ({ service: p.name, code: 0, troubles: [] })));
    }, 120_000);
  });
});
