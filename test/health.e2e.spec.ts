import { PLATFORM, Platform } from '@clientele/host';
import { Api } from './support/http';
import { eventually } from './support/eventually';
import { distributedSettings, newNamespace } from './support/deployments';
import { inProcessForSuite } from './support/in-process';
import { freePort, spawnClientele, stopAll, ClienteleProcess } from './support/processes';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeNamespace } from './support/nats-cleanup';

/**
 * Issue 11: liveness and readiness, for the gateway and for a service process that serves no HTTP
 * of its own, and readiness turning 503 while a process drains before it stops.
 */
describe('the gateway: /health/live and /health/ready', () => {
  const inProcess = inProcessForSuite();

  it('is live and ready, then not ready (but still live) once it starts draining', async () => {
    expect(await inProcess.api.get('/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await inProcess.api.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({ bus: { status: 'up' }, 'clients.events': { status: 'up' }, clients: { status: 'up' } });
    inProcess.system.app.get<Platform>(PLATFORM).startDraining();
    expect(await inProcess.api.get('/health/ready')).toMatchObject({ status: 503, body: { status: 'draining' } });
    expect((await inProcess.api.get('/health/live')).status).toBe(200);
    // The API itself keeps answering the requests that still arrive while draining.
    expect((await inProcess.api.get('/health')).status).toBe(200);
  });
});

describe('a service process without a gateway: CLIENTELE_HEALTH_PORT', () => {
  let process_: ClienteleProcess;
  let health: Api;
  const namespace = newNamespace();
  const dataDir = mkdtempSync(join(tmpdir(), 'clientele-health-'));

  beforeAll(async () => {
    const port = await freePort();
    process_ = spawnClientele('clients', {
      ...distributedSettings(namespace),
      CLIENTELE_SERVICES: 'clients',
      JWT_SECRET: randomUUID() + randomUUID(),
      DATA_DIR: dataDir,
      CLIENTELE_HEALTH_PORT: String(port),
      // Room on a loaded machine for the checks below to land inside the grace period.
      CLIENTELE_SHUTDOWN_GRACE_MS: '5000',
    });
    health = new Api(`http://127.0.0.1:${port}`);
    const deadline = Date.now() + 60_000;
    while (!/Clientele is serving/.test(process_.output())) {
      if (process_.child.exitCode !== null || Date.now() > deadline) throw new Error(`clients did not start:\n${process_.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 90_000);

  afterAll(async () => {
    await stopAll([process_]);
    rmSync(dataDir, { recursive: true, force: true });
    await removeNamespace(namespace).catch(() => undefined);
  }, 30_000);

  it('answers live and ready on its health port, and nothing else', async () => {
    expect(await health.get('/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await health.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ bus: { status: 'up' }, 'clients.events': { status: 'up' }, 'clients.readModels': { status: 'up' }, 'clients.keys': { status: 'up' } });
    expect((await health.get('/api/v1/clients')).status).toBe(404);
    expect((await health.post('/health/ready', {})).status).toBe(405);
  });

  it('on SIGTERM: not ready during the grace period while still live, then exits 0', async () => {
    process_.child.kill('SIGTERM');
    // Ready says so once the process has handled the signal.
    const ready = await eventually(() => health.get('/health/ready'), (answer) => answer.status !== 200, { timeoutMs: 4000, intervalMs: 50 });
    expect(ready).toMatchObject({ status: 503, body: { status: 'draining' } });
    expect((await health.get('/health/live')).status).toBe(200);
    expect(await process_.exited).toBe(0);
    expect(process_.output()).toMatch(/SIGTERM received: shutting down after 5000 ms of draining/);
  }, 30_000);
});
