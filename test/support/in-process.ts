import { loadConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap } from '@clientele/host';
import { createTestDatabase, LOCAL_POSTGRES_URL, type TestDatabase } from '@clientele/platform/testing';
import { distributedSettings, newNamespace } from './deployments';
import { Api } from './http';
import { removeNamespace } from './nats-cleanup';

export interface RunningSystem {
  api: Api;
  app: NestFastifyApplication;
  dataDir: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** A system restarted on its data folder (`keepData`) finds its PostgreSQL database again. */
const databases = new Map<string, TestDatabase>();

/**
 * The whole system in this test process (the embedded profile), on a free port and a fresh data folder.
 *
 * `CLIENTELE_TEST_STORES=postgres` runs the same suites on the PostgreSQL stores instead of SQLite,
 * each system in a database of its own, dropped when it stops (issue 18: the PostgreSQL profile
 * serves the whole API and the web app as the embedded one does), e.g.
 * `CLIENTELE_TEST_STORES=postgres npx jest test/api.e2e.spec.ts test/web.e2e.spec.ts`.
 */
export async function startInProcess(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), 'clientele-api-'))): Promise<RunningSystem> {
  let database = databases.get(dataDir);
  // A suite that chooses its stores itself keeps them.
  const choosesStores = env.POSTGRES_URL || env.CLIENTELE_EVENT_STORE || env.CLIENTELE_DOCUMENT_STORE;
  if (!database && process.env.CLIENTELE_TEST_STORES === 'postgres' && !choosesStores) {
    database = await createTestDatabase(process.env.POSTGRES_URL || LOCAL_POSTGRES_URL);
    databases.set(dataDir, database);
  }
  const stores = database
    ? { CLIENTELE_EVENT_STORE: 'postgres', CLIENTELE_DOCUMENT_STORE: 'postgres', POSTGRES_URL: database.url, CLIENTELE_POSTGRES_POOL_SIZE: '3' }
    : {};
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', CLIENTELE_AUTH_RATE_LIMIT: '1000', ...stores, ...env });
  const app = await bootstrap(config, new JsonLogger('error', { write: () => undefined }));
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    api: new Api(url),
    app,
    dataDir,
    async stop(options = {}) {
      await app.close();
      if (!options.keepData) {
        rmSync(dataDir, { recursive: true, force: true });
        databases.delete(dataDir);
        await database?.drop();
      }
    },
  };
}

/**
 * The whole system in this process for the suite (or the `describe` block) it is called in:
 * started before its tests, stopped and its data removed after them. Read `system` and `api`
 * inside the tests.
 */
export function inProcessForSuite(env: Record<string, string> = {}, startTimeoutMs = 60_000): { readonly system: RunningSystem; readonly api: Api } {
  const running = {} as { system: RunningSystem; api: Api };
  beforeAll(async () => {
    running.system = await startInProcess(env);
    running.api = running.system.api;
  }, startTimeoutMs);
  afterAll(() => running.system?.stop(), 60_000);
  return running;
}

/**
 * The distributed profile in this process for the suite it is called in: the services over the
 * NATS server on this machine under a namespace of their own (SQLite stores), whose streams are
 * removed after the suite.
 */
export function distributedInProcessForSuite(env: Record<string, string> = {}, startTimeoutMs = 60_000): { readonly system: RunningSystem; readonly api: Api } {
  const namespace = newNamespace();
  const running = inProcessForSuite({ ...distributedSettings(namespace), ...env }, startTimeoutMs);
  afterAll(() => removeNamespace(namespace).catch(() => undefined));
  return running;
}
