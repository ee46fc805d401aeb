import { PLATFORM, Platform } from '@clientele/host';
import type { SqliteDocumentStore } from '@clientele/platform/document-store';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHealthServer } from '../../libs/host/src/health-server';
import { Api, Business, newClient, signUp } from '../support/http';
import { inProcessForSuite } from '../support/in-process';

/**
 * Issue 17, finding 6: after the identity read models were rebuilt, the client-logins projection
 * failed every second, accept-invitation answered 503, and `/health` still said ok. Here a read
 * model is poisoned under a running system (a trigger refuses every new row of the client list, as
 * a broken read model or a projection bug would), so `clients_views` fails on every retry:
 * `/health` turns 503 and names it, readiness stays 200 (a load balancer must not drop every
 * gateway for one projection), and both are 200 again once the projection gets through.
 */
describe('/health reports a projection that keeps failing', () => {
  const inProcess = inProcessForSuite();
  let business: Business;
  let readModels: SqliteDocumentStore;
  /** What a service replica without the gateway serves (CLIENTELE_HEALTH_PORT), on the same process. */
  let healthServer: Server;
  let replica: Api;

  beforeAll(async () => {
    business = await signUp(inProcess.api);
    // The list's table exists once a first client is in it.
    expect((await business.admin.post('/api/v1/clients', newClient())).status).toBe(201);
    const platform = inProcess.system.app.get<Platform>(PLATFORM);
    readModels = platform.stores.get('clients')!.documents as SqliteDocumentStore;
    healthServer = await startHealthServer(platform, 0, '127.0.0.1');
    replica = new Api(`http://127.0.0.1:${(healthServer.address() as AddressInfo).port}`);
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => healthServer?.close(resolve));
  });

  const health = async () => (await inProcess.api.get('/health')).body;
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 45_000) => {
    for (const deadline = Date.now() + timeoutMs; !(await check()); ) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await health())}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  it('answers 503 naming the failing processor, its streak and its error, keeps readiness, and recovers', async () => {
    expect((await inProcess.api.get('/health')).status).toBe(200);
    readModels.exec(`CREATE TRIGGER poisoned BEFORE INSERT ON rm_clients BEGIN SELECT RAISE(ABORT, 'poisoned read model'); END`);
    // The event is stored; its projection now fails on every retry, so the answer, which waits for
    // the list to show the client, is 503 (the symptom of the finding: a 503 and a /health at 200).
    const added = await business.admin.post('/api/v1/clients', newClient());
    expect(added.status).toBe(503);

    // Not at the first failure (a transient one must not flap), but once it has failed for a while.
    let sawOkWhileFailing = false;
    await until('/health to report clients_views', async () => {
      const answer = await inProcess.api.get('/health');
      if (answer.status === 200) sawOkWhileFailing = true;
      return answer.status === 503;
    });
    expect(sawOkWhileFailing).toBe(true);
    const report = await inProcess.api.get('/health');
    expect(report.status).toBe(503);
    expect(report.body.status).toBe('unavailable');
    expect(report.body.checks.clients).toEqual({
      status: 'down',
      error: expect.stringMatching(/^clients_views has failed \d+ times in a row since \d{4}-\d\d-\d\dT[\d:.]+Z \(last success [^)]+\): .*poisoned read model/),
    });
    // The stores and the other services are fine, and say so.
    expect(report.body.checks).toMatchObject({ bus: { status: 'up' }, 'clients.readModels': { status: 'up' }, identity: { status: 'up' } });
    const ready = await inProcess.api.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.clients).toEqual({ status: 'up' });
    // A process without the gateway says the same of its own processors on its health port.
    const own = await replica.get('/health');
    expect(own.status).toBe(503);
    expect(own.body.checks.processing).toEqual({ status: 'down', error: expect.stringMatching(/^clients_views has failed \d+ times in a row since .*poisoned read model/) });
    expect((await replica.get('/health/ready')).status).toBe(200);

    // Repaired: the next retry goes through, and /health is ok again.
    readModels.exec('DROP TRIGGER poisoned');
    await until('/health to recover', async () => (await inProcess.api.get('/health')).status === 200);
    expect((await replica.get('/health')).body).toMatchObject({ status: 'ok', checks: { processing: { status: 'up' } } });
    const list = await business.admin.get('/api/v1/clients');
    expect(list.body.items).toHaveLength(2);
  }, 90_000);
});
