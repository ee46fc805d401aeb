import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Api } from './http';
import { RunningSystem, startInProcess } from './in-process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildWeb } = require('../../tools/build-web.js') as { buildWeb: (dir: string, options?: { minify?: boolean }) => Promise<string> };

/**
 * The web app built into a folder of its own and served by the whole system in this process, for
 * the suite (or the `describe` block) it is called in: built and started before its tests, stopped
 * and both folders removed after them. `minify`: as the production build ships it (the hardening
 * suite reads what a browser is sent); the browser suites read an unminified one.
 */
export function webAppForSuite(options: { minify?: boolean; startTimeoutMs?: number } = {}): { readonly system: RunningSystem; readonly api: Api } {
  const running = {} as { system: RunningSystem; api: Api; webDir: string };
  beforeAll(async () => {
    running.webDir = await buildWeb(mkdtempSync(join(tmpdir(), 'clientele-web-')), { minify: options.minify ?? false });
    running.system = await startInProcess({ CLIENTELE_WEB_DIR: running.webDir });
    running.api = running.system.api;
  }, options.startTimeoutMs ?? 90_000);
  afterAll(async () => {
    await running.system?.stop();
    if (running.webDir) rmSync(running.webDir, { recursive: true, force: true });
    // Stopping drains every processor and closes the stores: on a loaded 2-core machine that can
    // take longer than a test's default 30 s.
  }, 90_000);
  return running;
}
