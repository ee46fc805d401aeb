import { ClientProxyRequestClient, ClienteleNatsClient } from '@clientele/platform/bus';
import { loadConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap } from './bootstrap';
import { PLATFORM } from './host.module';
import type { Platform } from './platform';

const quiet = new JsonLogger('error', { write: () => undefined });
type HealthBody = { status: string; checks: Record<string, { status: string }> };

describe('host process', () => {
  let dataDir: string;
  let app: INestApplication | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'clientele-host-'));
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('hosts every service with the embedded defaults, one store per service, and reports healthy', async () => {
    app = await bootstrap(loadConfig({ DATA_DIR: dataDir, PORT: '0' }), quiet);
    const response = await fetch(`${await app.getUrl()}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as HealthBody;
    expect(body.status).toBe('ok');
    expect(body.checks).toMatchObject({ bus: { status: 'up' }, identity: { status: 'up' }, clients: { status: 'up' }, 'clients.events': { status: 'up' } });
    for (const service of ['identity', 'clients']) {
      expect(existsSync(join(dataDir, service, 'events.sqlite'))).toBe(true);
      expect(existsSync(join(dataDir, service, 'read-models.sqlite'))).toBe(true);
    }
    expect(existsSync(join(dataDir, 'bus.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(true);
  });

  it('stops every consumer and processor before the stores close: a shutdown logs no error', async () => {
    const errors: string[] = [];
    const logger = new JsonLogger('error', { write: (line: string) => void errors.push(line) });
    app = await bootstrap(loadConfig({ DATA_DIR: dataDir, PORT: '0' }), logger);
    expect((await fetch(`${await app.getUrl()}/health`)).status).toBe(200);
    await app.close();
    app = undefined;
    // A processor still running would fail on its closed store within its next poll (tens of ms).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(errors).toEqual([]);
  });

  it('closes each connection it answers while draining: a stop waits for no keep-alive timeout', async () => {
    app = await bootstrap(loadConfig({ DATA_DIR: dataDir, PORT: '0' }), quiet);
    const { hostname, port } = new URL(await app.getUrl());
    const agent = new Agent({ keepAlive: true });
    const get = () =>
      new Promise<{ connection: string | undefined; socket: Socket }>((resolve, reject) => {
        const request = httpGet({ agent, hostname, port, path: '/health/live' }, (response) => {
          response.resume();
          response.on('end', () => resolve({ connection: response.headers.connection, socket: response.socket }));
        });
        request.on('error', reject);
      });
    try {
      expect((await get()).connection).toBe('keep-alive');
      // The stop begins (SIGTERM): the next answer says so, and the server closes the connection after it.
      app.get<Platform>(PLATFORM).startDraining();
      const draining = await get();
      expect(draining.connection).toBe('close');
      await new Promise((resolve) => (draining.socket.destroyed ? resolve(undefined) : draining.socket.once('close', resolve)));
    } finally {
      agent.destroy();
    }
  });

  it('hosts one service alone over NATS, answering requests under its namespace', async () => {
    const namespace = `t${randomUUID().slice(0, 8)}`;
    app = await bootstrap(
      loadConfig({
        DATA_DIR: dataDir,
        CLIENTELE_PROFILE: 'distributed',
        CLIENTELE_EVENT_STORE: 'sqlite',
        CLIENTELE_DOCUMENT_STORE: 'sqlite',
        CLIENTELE_MAIL: 'dev-mailbox',
        CLIENTELE_SERVICES: 'clients',
        CLIENTELE_NATS_NAMESPACE: namespace,
      }),
      quiet,
    );
    const proxy = new ClienteleNatsClient({ servers: [process.env.NATS_URL ?? 'nats://127.0.0.1:4222'] }, namespace);
    try {
      const requests = new ClientProxyRequestClient(proxy, 5000);
      await expect(requests.request('clients.query.health', {})).resolves.toEqual({ status: 'ok' });
      await expect(requests.request('identity.query.health', {}, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await proxy.close();
    }
  });

  it('answers 503 on /health when a dependency does not answer', async () => {
    app = await bootstrap(loadConfig({ DATA_DIR: dataDir, PORT: '0' }), quiet);
    const url = await app.getUrl();
    await app.get<Platform>(PLATFORM).bus.close();
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as HealthBody).checks.bus.status).toBe('down');
  });
});
