import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { distributedSettings, newNamespace } from './support/deployments';
import { Api, ApiResponse, PASSWORD, uniqueEmail } from './support/http';
import { RunningSystem, startInProcess } from './support/in-process';
import { removeNamespace } from './support/nats-cleanup';
import { ClienteleProcess, compiledClientele, freePorts, spawnClientele, stopAll, waitUntilHealthy } from './support/processes';

/**
 * Issue 24: rate limits that hold with several gateways. Two gateway replicas (and one replica of
 * every service) as separate processes over the NATS server on this machine: the per-address
 * allowance of the sign-in routes is counted once for both, failed sign-ins of one e-mail address
 * delay its next ones more and more whichever gateway answers, and an attacker who spreads over
 * many addresses cannot keep the real user out. The embedded profile (one process) still limits.
 *
 * Client addresses come from X-Forwarded-For, believed from 127.0.0.1 (CLIENTELE_TRUSTED_PROXIES),
 * as from the proxy in front of the gateways in production.
 */
const PER_MINUTE = 12;
const SERVICES = ['identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications'];

/** Two gateways and one replica of each service, over NATS under a namespace of their own. */
function twoGateways() {
  const root = mkdtempSync(join(tmpdir(), 'clientele-e2e-rate-limit-'));
  const namespace = newNamespace();
  const common = {
    ...distributedSettings(namespace),
    JWT_SECRET: randomUUID() + randomUUID(),
    CLIENTELE_AUTH_RATE_LIMIT: String(PER_MINUTE),
    CLIENTELE_TRUSTED_PROXIES: '127.0.0.1',
  };
  let processes: ClienteleProcess[] = [];
  return {
    namespace,
    async start(): Promise<[Api, Api]> {
      const ports = await freePorts(2);
      const build = compiledClientele();
      processes = [
        ...ports.map((port, i) =>
          spawnClientele(`gateway#${i + 1}`, { ...common, CLIENTELE_SERVICES: 'gateway', DATA_DIR: join(root, 'gateway'), PORT: String(port) }, build.app('gateway')),
        ),
        ...SERVICES.map((service) => spawnClientele(service, { ...common, CLIENTELE_SERVICES: service, DATA_DIR: join(root, service), PORT: '0' }, build.app(service))),
      ];
      const apis = ports.map((port) => new Api(`http://127.0.0.1:${port}`)) as [Api, Api];
      for (const api of apis) await waitUntilHealthy(api, processes);
      return apis;
    },
    output: () => processes.map((p) => `--- ${p.name}\n${p.output().slice(-2000)}`).join('\n'),
    stop: () => stopAll(processes),
    async cleanup() {
      rmSync(root, { recursive: true, force: true });
      await removeNamespace(namespace).catch(() => undefined);
    },
  };
}

const from = (address: string) => ({ 'x-forwarded-for': address });
const signIn = (api: Api, email: string, password: string, address: string) => api.post('/api/v1/auth/login', { email, password }, from(address));
const WRONG = 'not the password at all';

async function openAccount(api: Api, address: string): Promise<string> {
  const email = uniqueEmail('owner');
  const opened = await api.post('/api/v1/accounts', { businessName: 'Stone Fitness', owner: { firstName: 'Maya', lastName: 'Stone', email, password: PASSWORD } }, from(address));
  expect(opened.status).toBe(201);
  return email;
}

function expectRateLimited(answer: ApiResponse, maxSeconds = 60): number {
  expect({ status: answer.status, type: answer.headers.get('content-type'), code: answer.body?.code }).toEqual({
    status: 429,
    type: expect.stringContaining('application/problem+json'),
    code: 'rate_limited',
  });
  const seconds = Number(answer.headers.get('retry-after'));
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(maxSeconds);
  expect(answer.body.detail).toContain(`wait ${seconds} second`);
  return seconds;
}

/**
 * The delay the gateway asked for is the condition: wait for it to pass (asking again if a
 * rounded-down second was not quite enough).
 */
async function afterTheWait(seconds: number, attempt: () => Promise<ApiResponse>): Promise<ApiResponse> {
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const answer = await attempt();
  if (answer.status !== 429 || Number(answer.headers.get('retry-after')) > 1) return answer;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return attempt();
}

describe('rate limits with two gateway replicas over NATS', () => {
  const deployment = twoGateways();
  let a: Api;
  let b: Api;

  beforeAll(async () => {
    [a, b] = await deployment.start();
  }, 180_000);
  afterAll(async () => {
    await deployment.stop();
    await deployment.cleanup();
  }, 60_000);

  it('counts the per-address allowance once for both gateways: past it, both answer 429 with Retry-After', async () => {
    const address = '203.0.113.10';
    const answers: ApiResponse[] = [];
    // Alternating gateways, a new address to sign in with each time (no per-account delay).
    for (let i = 0; i < PER_MINUTE + 2; i++) answers.push(await signIn(i % 2 ? b : a, uniqueEmail('nobody'), WRONG, address));
    expect(answers.map((r) => r.status)).toEqual([...Array(PER_MINUTE).fill(401), 429, 429]);
    expectRateLimited(answers[PER_MINUTE]);
    expectRateLimited(answers[PER_MINUTE + 1]);
    // Another client address is not held back, on either gateway.
    expect((await signIn(a, uniqueEmail('nobody'), WRONG, '203.0.113.11')).status).toBe(401);
    expect((await signIn(b, uniqueEmail('nobody'), WRONG, '203.0.113.11')).status).toBe(401);
  }, 60_000);

  it('delays the sign-ins of one e-mail address more after each failure, whichever gateway answers, the same for an address without a login, and a success starts over', async () => {
    const email = await openAccount(a, '198.51.100.200');
    const nobody = uniqueEmail('nobody');
    const address = '192.0.2.20';
    // Five failures are free, on both gateways (an address without a login from another client address).
    for (let i = 0; i < 5; i++) {
      expect((await signIn(i % 2 ? b : a, email, WRONG, address)).body.code).toBe('invalid_credentials');
      expect((await signIn(i % 2 ? b : a, nobody, WRONG, '192.0.2.21')).body.code).toBe('invalid_credentials');
    }
    // Then even the right password waits: 1 s after the fifth failure.
    const first = await signIn(b, email, PASSWORD, address);
    expect(expectRateLimited(first, 1)).toBe(1);
    const firstForNobody = await signIn(a, nobody, PASSWORD, '192.0.2.21');
    expectRateLimited(firstForNobody, 1);
    // Same words whether the address has a login or not.
    expect(firstForNobody.body.detail).toBe(first.body.detail);
    expect(first.body.detail).not.toMatch(/account|exist|unknown/i);
    // After the wait, one more failure (on the other gateway) doubles it.
    expect((await afterTheWait(1, () => signIn(a, email, WRONG, address))).status).toBe(401);
    const second = await signIn(b, email, PASSWORD, address);
    expect(expectRateLimited(second, 2)).toBeGreaterThanOrEqual(1);
    // After that wait the right password signs in, and the failures from this address are forgotten.
    const signedIn = await afterTheWait(Number(second.headers.get('retry-after')), () => signIn(a, email, PASSWORD, address));
    expect(signedIn.status).toBe(200);
    expect((await signIn(b, email, WRONG, address)).status).toBe(401);
    expect((await signIn(a, email, WRONG, address)).status).toBe(401);
  }, 60_000);

  it('never keeps the real user out: an attacker spread over many addresses is held back account-wide (30 s at most), the user at an address of theirs is not', async () => {
    const email = await openAccount(b, '198.51.100.201');
    const home = '192.0.2.30';
    expect((await signIn(a, email, PASSWORD, home)).status).toBe(200);
    // Two failures from each of ten addresses: under every per-address threshold, twenty account-wide.
    for (let i = 0; i < 20; i++) expect((await signIn(i % 2 ? b : a, email, WRONG, `198.51.100.${(i % 10) + 1}`)).status).toBe(401);
    // From there on, a new address is held back by the account-wide delay (capped at 30 s)...
    const fresh = await signIn(a, email, PASSWORD, '198.51.100.50');
    expectRateLimited(fresh, 30);
    // ...and the attacker keeps trying from new addresses meanwhile...
    const more = await Promise.all(Array.from({ length: 6 }, (_, i) => signIn(i % 2 ? a : b, email, WRONG, `198.51.100.${60 + i}`)));
    expect(more.filter((r) => r.status !== 429).length).toBeLessThanOrEqual(1);
    // ...but the user signs in at once from home, through either gateway.
    expect((await signIn(a, email, PASSWORD, home)).status).toBe(200);
    expect((await signIn(b, email, PASSWORD, home)).status).toBe(200);
  }, 60_000);

  it('keeps the counts in NATS KV under the deployment namespace, with no e-mail or client address in any key', async () => {
    const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    try {
      const keys: string[] = [];
      for (const bucket of ['ratelimits', 'known-sign-ins']) {
        const kv = await nc.jetstream().views.kv(`${deployment.namespace}-${bucket}`, { bindOnly: true });
        for await (const key of await kv.keys()) keys.push(key);
      }
      expect(keys.some((key) => key.startsWith('throttle.auth.'))).toBe(true);
      expect(keys.some((key) => key.startsWith('signin.pair.'))).toBe(true);
      expect(keys.some((key) => key.startsWith('known.'))).toBe(true);
      expect(keys.filter((key) => /@|example|192\.0\.2|198\.51|203\.0/.test(key))).toEqual([]);
    } finally {
      await nc.close();
    }
    // NATS answered throughout: no gateway counted alone.
    expect(deployment.output()).not.toMatch(/counting in this gateway alone/);
  });
});

describe('rate limits in the embedded profile (one process)', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startInProcess({ CLIENTELE_AUTH_RATE_LIMIT: '6', CLIENTELE_TRUSTED_PROXIES: '127.0.0.1' });
  }, 60_000);
  afterAll(() => system?.stop(), 60_000);

  it('limits the requests per address and route, and delays the sign-ins of an address after failures', async () => {
    const answers: ApiResponse[] = [];
    for (let i = 0; i < 7; i++) answers.push(await signIn(system.api, uniqueEmail('nobody'), WRONG, '203.0.113.40'));
    expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401, 429]);
    expectRateLimited(answers[6]);
    const email = await openAccount(system.api, '203.0.113.41');
    for (let i = 0; i < 5; i++) expect((await signIn(system.api, email, WRONG, '203.0.113.42')).status).toBe(401);
    expectRateLimited(await signIn(system.api, email, PASSWORD, '203.0.113.42'), 1);
    // Not from another address: only account-wide failures past twenty hold everyone back.
    expect((await signIn(system.api, email, PASSWORD, '203.0.113.43')).status).toBe(200);
  });

  it('documents the 429 of every rate-limited route in the OpenAPI document, and the sign-in delays on the sign-in route', async () => {
    const paths = (await system.api.get('/docs-json')).body.paths;
    for (const [path, method] of [
      ['/api/v1/accounts', 'post'],
      ['/api/v1/auth/login', 'post'],
      ['/api/v1/auth/password-reset/request', 'post'],
    ]) {
      expect({ path, description: paths[path][method].responses['429']?.description }).toEqual({ path, description: expect.stringContaining('Retry-After') });
    }
    expect(paths['/api/v1/auth/login'].post.responses['429'].description).toContain('unsuccessful sign-ins with this e-mail address');
    expect(paths['/api/v1/clients'].get.responses['429']).toBeUndefined();
  });
});
