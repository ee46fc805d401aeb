import { loadConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap } from '@clientele/host';
import { Api } from './http';

export interface RunningSystem {
  api: Api;
  app: NestFastifyApplication;
  dataDir: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** The whole system in this test process (the embedded profile), on a free port and a fresh data folder. */
export async function startInProcess(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), 'clientele-api-'))): Promise<RunningSystem> {
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', CLIENTELE_AUTH_RATE_LIMIT: '1000', ...env });
  const app = await bootstrap(config, new JsonLogger('error', { write: () => undefined }));
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    api: new Api(url),
    app,
    dataDir,
    async stop(options = {}) {
      await app.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
