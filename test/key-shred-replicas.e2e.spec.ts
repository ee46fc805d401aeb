import { CLIENTS_CONTEXT, ERASED, type ClientsContext } from '@clientele/clients/service';
import { bootstrap } from '@clientele/host';
import { loadConfig } from '@clientele/platform/config';
import type { RecordedEvent } from '@clientele/platform/event-store';
import { JsonLogger } from '@clientele/platform/logging';
import { createTestDatabase, planPostgres, skipSuite, type TestDatabase } from '@clientele/platform/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distributedSettings, newNamespace } from './support/deployments';
import { Api, Business, newClient, signUp } from './support/http';
import { removeNamespace } from './support/nats-cleanup';

/**
 * Issue 24, item 5: deleting a client makes its data unreadable in every replica of the clients
 * service, not only in the one that shredded its key. Two replicas of the clients service (and one
 * process with the gateway and the other services) over the machine's NATS and one PostgreSQL
 * database, all in this test process so that each replica's own key cache can be asked directly:
 * both replicas first open the client's personal data (each caches the key), the client is deleted
 * through the gateway, and both must read it as erased within the bound (docs/ERASURE.md).
 *
 * Which replica shreds is not ours to choose: the one that answers the DELETE, and the one running
 * the roster-effects processor (again, harmlessly). When those are the same replica, the other one
 * never shreds the key itself and can only learn of it from the key store's shred log: that is the
 * case this suite needs, so it deletes clients until it has met it (each deletion checks both
 * replicas either way).
 */
const plan = planPostgres('Key shredding across replicas suite');

if (plan.kind === 'skip') {
  describe('a deleted client across replicas of the clients service', () => skipSuite(plan));
} else {
  describe('a deleted client across replicas of the clients service', () => {
    const namespace = newNamespace();
    const folders: string[] = [];
    const apps: NestFastifyApplication[] = [];
    let database: TestDatabase;
    let api: Api;
    let replicas: Array<{ name: string; context: ClientsContext; shredded: string[] }>;

    async function start(env: Record<string, string>): Promise<NestFastifyApplication> {
      const folder = mkdtempSync(join(tmpdir(), 'clientele-shred-'));
      folders.push(folder);
      const config = loadConfig({
        ...distributedSettings(namespace),
        CLIENTELE_EVENT_STORE: 'postgres',
        CLIENTELE_DOCUMENT_STORE: 'postgres',
        POSTGRES_URL: database.url,
        CLIENTELE_POSTGRES_POOL_SIZE: '3',
        CLIENTELE_AUTH_RATE_LIMIT: '1000',
        JWT_SECRET: jwtSecret,
        DATA_DIR: folder,
        PORT: '0',
        ...env,
      });
      const app = await bootstrap(config, new JsonLogger('error', { write: () => undefined }));
      apps.push(app);
      return app;
    }
    const jwtSecret = randomUUID() + randomUUID();

    beforeAll(async () => {
      database = await createTestDatabase(plan.adminUrl);
      // Replica 1 first: the stores' schemas are made once, without a race.
      const first = await start({ CLIENTELE_SERVICES: 'clients' });
      const rest = await start({ CLIENTELE_SERVICES: 'gateway,identity,billing,messaging,scheduling,notifications' });
      const second = await start({ CLIENTELE_SERVICES: 'clients' });
      api = new Api((await rest.getUrl()).replace('[::1]', '127.0.0.1'));
      replicas = [first, second].map((app, index) => {
        const context = app.get<ClientsContext>(CLIENTS_CONTEXT, { strict: false });
        const replica = { name: `clients#${index + 1}`, context, shredded: [] as string[] };
        // Which replica shreds which key itself (the call goes through unchanged).
        const shred = context.cipher.shred.bind(context.cipher);
        context.cipher.shred = (subjectId) => {
          replica.shredded.push(subjectId);
          return shred(subjectId);
        };
        return replica;
      });
    }, 180_000);

    afterAll(async () => {
      for (const app of apps.reverse()) await app.close().catch(() => undefined);
      for (const folder of folders) rmSync(folder, { recursive: true, force: true });
      await database?.drop();
      await removeNamespace(namespace).catch(() => undefined);
    }, 60_000);

    /** The client's name as this replica opens it from the client's first event. */
    async function nameIn(replica: { context: ClientsContext }, added: RecordedEvent): Promise<unknown> {
      const decoded = await replica.context.codec.decode(added);
      return (decoded.data as unknown as { firstName: unknown }).firstName;
    }

    async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (done(value)) return value;
        if (Date.now() > deadline) throw new Error(`${what}: still not the case after ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }

    it('every replica answers 404 and reads the personal data as erased soon after the delete, also one that never shredded the key itself', async () => {
      const business: Business = await signUp(api);
      const learnedFromTheLog: string[] = [];
      for (let attempt = 1; attempt <= 20 && learnedFromTheLog.length === 0; attempt++) {
        const added = await business.admin.post('/api/v1/clients', newClient({ firstName: `Ada${attempt}`, type: 'offline' }));
        expect(added.status).toBe(201);
        const clientId: string = added.body.id;
        const [addedEvent] = await replicas[0].context.deps.events.readStream(`client-${clientId}`);
        expect(addedEvent.type).toBe('ClientAdded');
        // Both replicas read the client's personal data: each has its key in its cache now.
        for (const replica of replicas) expect(await nameIn(replica, addedEvent)).toBe(`Ada${attempt}`);

        expect((await business.admin.call('DELETE', `/api/v1/clients/${clientId}`)).status).toBe(204);

        for (const replica of replicas) {
          await until(`${replica.name} still opens the deleted client's data`, () => nameIn(replica, addedEvent), (name) => name === ERASED);
          if (!replica.shredded.includes(clientId)) learnedFromTheLog.push(replica.name);
          // The client is gone for whoever asks.
          await expect(replica.context.loadClient(clientId)).resolves.toMatchObject({ status: 'deleted' });
        }
        for (let i = 0; i < 4; i++) expect((await business.admin.get(`/api/v1/clients/${clientId}`)).status).toBe(404);
        // Unreadable for good, in both.
        for (const replica of replicas) expect(await nameIn(replica, addedEvent)).toBe(ERASED);
      }
      // At least one deletion reached a replica only through the shred log.
      expect(learnedFromTheLog.length).toBeGreaterThan(0);
    }, 240_000);
  });
}
