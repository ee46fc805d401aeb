import { describeConfig, loadConfig } from '@clientele/platform/config';
import { signUp } from './support/http';
import { startInProcess } from './support/in-process';
import { PrivateNatsServer, startNatsServer } from './support/nats-server';

/**
 * Issue 17: the NATS servers of a deployment ask for credentials, and every NATS connection of a
 * Clientele process (requests, events, leases) gives the ones NATS_URL carries. Against a private
 * nats-server started with --user and --pass.
 */
describe('NATS with credentials', () => {
  let nats: PrivateNatsServer;
  const user = 'clientele';
  const password = 'n4ts p@ss:word';
  const withCredentials = () => `nats://${user}:${encodeURIComponent(password)}@127.0.0.1:${nats.port}`;
  const env = (url: string) => ({ CLIENTELE_BUS: 'nats', NATS_URL: url, CLIENTELE_NATS_NAMESPACE: `auth${Date.now().toString(36)}` });

  beforeAll(async () => {
    nats = await startNatsServer({ args: ['--user', user, '--pass', password] });
  }, 30_000);
  afterAll(async () => {
    await nats?.cleanup();
  });

  it('refuses a process without the credentials', async () => {
    await expect(startInProcess(env(nats.url))).rejects.toThrow(/Authorization Violation|AUTHORIZATION_VIOLATION/i);
  }, 60_000);

  it('runs the whole system over NATS with the credentials from NATS_URL, and never logs them', async () => {
    const system = await startInProcess(env(withCredentials()));
    try {
      // A sign-up crosses the request bus and the event bus; leases guard the processors.
      const business = await signUp(system.api);
      expect((await business.admin.get('/api/v1/clients')).status).toBe(200);
      expect(JSON.stringify(describeConfig(loadConfig(env(withCredentials()))))).not.toMatch(/n4ts|p%40ss/);
    } finally {
      await system.stop();
    }
  }, 90_000);
});
