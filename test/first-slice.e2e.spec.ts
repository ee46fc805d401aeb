import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, PASSWORD, addCoach, login, newClient, signUp, uniqueEmail } from './support/http';
import { removeNamespace } from './support/nats-cleanup';
import { ClienteleProcess, freePort, spawnClientele, stopAll, waitUntilHealthy } from './support/processes';

/**
 * The first slice end to end, run twice: the whole system in one OS process (`npm start`), and
 * every service as its own OS process over the NATS server on this machine, each with its own
 * SQLite stores. Same scenario, same assertions: one code path.
 */
interface Deployment {
  start(): Promise<Api>;
  stop(): Promise<void>;
  cleanup(): void;
}

function singleProcess(): Deployment {
  const dataDir = mkdtempSync(join(tmpdir(), 'clientele-e2e-single-'));
  let processes: ClienteleProcess[] = [];
  let port = 0;
  return {
    async start() {
      port ||= await freePort();
      processes = [spawnClientele('clientele', { PORT: String(port), DATA_DIR: dataDir })];
      const api = new Api(`http://127.0.0.1:${port}`);
      await waitUntilHealthy(api, processes);
      return api;
    },
    stop: () => stopAll(processes),
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

function separateProcesses(): Deployment {
  const root = mkdtempSync(join(tmpdir(), 'clientele-e2e-distributed-'));
  const namespace = `e2e-${randomUUID().slice(0, 8)}`;
  const jwtSecret = randomUUID() + randomUUID();
  let processes: ClienteleProcess[] = [];
  let port = 0;
  const common = {
    CLIENTELE_PROFILE: 'distributed',
    CLIENTELE_EVENT_STORE: 'sqlite',
    CLIENTELE_DOCUMENT_STORE: 'sqlite',
    CLIENTELE_MAIL: 'dev-mailbox',
    CLIENTELE_NATS_NAMESPACE: namespace,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    JWT_SECRET: jwtSecret,
  };
  return {
    async start() {
      port ||= await freePort();
      processes = ['gateway', 'identity', 'clients'].map((service) =>
        spawnClientele(service, { ...common, CLIENTELE_SERVICES: service, DATA_DIR: join(root, service), PORT: String(port) }),
      );
      const api = new Api(`http://127.0.0.1:${port}`);
      await waitUntilHealthy(api, processes);
      return api;
    },
    stop: () => stopAll(processes),
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
      void removeNamespace(namespace).catch(() => undefined);
    },
  };
}

describe.each([
  ['in one process (npm start)', singleProcess],
  ['as separate processes over NATS', separateProcesses],
])('first slice %s', (_mode, deploy) => {
  let deployment: Deployment;
  let api: Api;

  beforeAll(async () => {
    deployment = deploy();
    api = await deployment.start();
  }, 90_000);
  afterAll(async () => {
    await deployment?.stop();
    deployment?.cleanup();
  }, 60_000);

  it('signs up, signs in, adds clients of each type and lists them; coaches see only theirs', async () => {
    const business = await signUp(api, 10);
    for (const type of ['full_access', 'full_access_one_way', 'offline']) {
      const added = await business.admin.post('/api/v1/clients', newClient({ type, lastName: type }));
      expect(added.status).toBe(201);
    }
    const coach = await addCoach(business);
    const coachsClient = await coach.api.post('/api/v1/clients', newClient({ lastName: 'Zed' }));
    expect(coachsClient.status).toBe(201);

    const all = await business.admin.get('/api/v1/clients?sort=name');
    expect(all.body.total).toBe(4);
    expect(all.body.items.map((c: { lastName: string; type: string }) => [c.lastName, c.type])).toEqual([
      ['full_access', 'full_access'],
      ['full_access_one_way', 'full_access_one_way'],
      ['offline', 'offline'],
      ['Zed', 'full_access'],
    ]);
    expect((await coach.api.get('/api/v1/clients')).body.items.map((c: { id: string }) => c.id)).toEqual([coachsClient.body.id]);
    expect((await coach.api.get(`/api/v1/clients/${all.body.items[0].id}`)).status).toBe(404);
    expect((await business.admin.get(`/api/v1/clients/${coachsClient.body.id}`)).status).toBe(200);
    expect((await business.admin.get('/api/v1/clients/recent?limit=1')).body.items[0].id).toBe(coachsClient.body.id);
  });

  it('lets exactly one of two concurrent adds of one e-mail win', async () => {
    const business = await signUp(api);
    const email = uniqueEmail('twice');
    const attempts = await Promise.all([
      business.admin.post('/api/v1/clients', newClient({ email })),
      business.admin.post('/api/v1/clients', newClient({ email: email.toUpperCase() })),
    ]);
    expect(attempts.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(attempts.find((a) => a.status === 409)!.body.code).toBe('email_taken');
    expect((await business.admin.get('/api/v1/clients')).body.total).toBe(1);
  });

  it('lets exactly the free number of concurrent adds take the last seats', async () => {
    const business = await signUp(api, 5);
    await business.admin.post('/api/v1/clients', newClient());
    await business.admin.post('/api/v1/clients', newClient({ type: 'offline' }));
    const attempts = await Promise.all(Array.from({ length: 8 }, () => business.admin.post('/api/v1/clients', newClient())));
    const statuses = attempts.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    expect(attempts.filter((a) => a.status === 409).every((a) => a.body.code === 'seat_limit_reached')).toBe(true);
    expect((await business.admin.get('/api/v1/clients')).body.total).toBe(5);
  });

  it('keeps data and issued tokens across a restart', async () => {
    const business = await signUp(api);
    const added = await business.admin.post('/api/v1/clients', newClient());
    await deployment.stop();
    api = await deployment.start();
    const afterRestart = new Api(api.baseUrl, business.token);
    expect((await afterRestart.get(`/api/v1/clients/${added.body.id}`)).body).toEqual(added.body);
    expect(await login(api, business.email, PASSWORD)).toEqual(expect.any(String));
    expect((await afterRestart.post('/api/v1/clients', newClient())).status).toBe(201);
  }, 90_000);
});
