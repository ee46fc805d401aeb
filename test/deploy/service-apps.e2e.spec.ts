import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledClientele, spawnClientele } from '../support/processes';

/**
 * Issue 20, item 11: a service app (apps/<service>), compiled as `npm run build` compiles it, hosts
 * its own service and no other. The suites that run the system as separate processes
 * (`separateProcesses`, e.g. test/first-slice.e2e.spec.ts) run every service's app together.
 */
describe('a service app (issue 20)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clientele-e2e-app-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses, with a sentence and EX_CONFIG, a CLIENTELE_SERVICES that names another service', async () => {
    const env = { CLIENTELE_PROFILE: 'distributed', CLIENTELE_EVENT_STORE: 'sqlite', CLIENTELE_DOCUMENT_STORE: 'sqlite', CLIENTELE_MAIL: 'dev-mailbox', DATA_DIR: dataDir };
    const wrong = spawnClientele('clients', { ...env, CLIENTELE_SERVICES: 'billing' }, compiledClientele().app('clients'));
    expect(await wrong.exited).toBe(78);
    expect(wrong.output()).toContain("This is the clients service's process (apps/clients), but CLIENTELE_SERVICES names billing.");
  }, 120_000);
});
