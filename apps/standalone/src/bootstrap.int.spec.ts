import { loadConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import { INestApplication } from '@nestjs/common';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap } from './bootstrap';

type HealthBody = { status: string; checks: Record<string, { status: string }> };

const quiet = new JsonLogger('error', { write: () => undefined });

describe('standalone process (npm start)', () => {
  let dataDir: string;
  let app: INestApplication | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'clientele-standalone-'));
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the embedded profile with no settings but a data folder, and reports healthy', async () => {
    app = await bootstrap(loadConfig({ DATA_DIR: dataDir, PORT: '0' }), quiet);
    const response = await fetch(`${await app.getUrl()}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as HealthBody;
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks)).toEqual(expect.arrayContaining(['bus', 'clients.events', 'clients.readModels']));
    expect(existsSync(join(dataDir, 'clients', 'events.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, 'bus.sqlite'))).toBe(true);
  });

  it('runs some services apart over NATS with the embedded stores', async () => {
    app = await bootstrap(
      loadConfig({ DATA_DIR: dataDir, PORT: '0', CLIENTELE_PROFILE: 'distributed', CLIENTELE_EVENT_STORE: 'sqlite', CLIENTELE_DOCUMENT_STORE: 'sqlite', CLIENTELE_MAIL: 'dev-mailbox', CLIENTELE_SERVICES: 'clients' }),
      quiet,
    );
    const body = await (await fetch(`${await app.getUrl()}/health`)).json();
    expect(body).toEqual({ status: 'ok', checks: { bus: { status: 'up' }, 'clients.events': { status: 'up' }, 'clients.readModels': { status: 'up' } } });
  });

  it('answers 503 when a dependency does not answer', async () => {
    app = await bootstrap(loadConfig({ DATA_DIR: dataDir, PORT: '0' }), quiet);
    const url = await app.getUrl();
    // Closing the shared bus underneath the running process makes its check fail.
    const platform = app.get(Symbol.for('clientele.platform'));
    await platform.bus.close();
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as HealthBody).checks.bus.status).toBe('down');
  });
});
