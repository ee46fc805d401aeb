import { bootstrap } from '@clientele/host';
import { loadConfig } from '@clientele/platform/config';
import { JsonLogger } from '@clientele/platform/logging';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, PASSWORD, mailToken, newClient, signUp, uniqueEmail } from '../support/http';
import { recordCheck } from '../support/reliability-report';

/**
 * Tokens that must not open anything, and secrets that must never reach a log line. The whole
 * system runs in this process with its logger at debug level, every line kept for the search.
 */
describe('security: tokens and secrets', () => {
  let app: NestFastifyApplication;
  let api: Api;
  let dataDir: string;
  const lines: string[] = [];
  const secrets: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'clientele-security-'));
    const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', CLIENTELE_AUTH_RATE_LIMIT: '1000', LOG_LEVEL: 'debug' });
    app = await bootstrap(config, new JsonLogger('debug', { write: (line: string) => void lines.push(line) }));
    api = new Api((await app.getUrl()).replace('[::1]', '127.0.0.1'));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const sign = (header: object, payload: object, secret: string) => {
    const unsigned = `${b64(header)}.${b64(payload)}`;
    return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
  };
  const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

  it('refuses alg none, other algorithms, bad signatures, expired tokens, wrong issuer or audience, and a revoked client', async () => {
    const business = await signUp(api);
    secrets.push(business.token, PASSWORD);
    const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
    secrets.push(secret);
    const claims = claimsOf(business.token);
    const now = Math.floor(Date.now() / 1000);
    const forged: Record<string, string> = {
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      'HS512 header': sign({ alg: 'HS512', typ: 'JWT' }, claims, secret),
      'RS256 header': sign({ alg: 'RS256', typ: 'JWT' }, claims, secret),
      'bad signature': `${business.token.slice(0, business.token.lastIndexOf('.'))}.${'A'.repeat(43)}`,
      'other secret': sign({ alg: 'HS256', typ: 'JWT' }, claims, 'another secret of thirty-two characters'),
      expired: sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7200, exp: now - 3600 }, secret),
      'wrong issuer': sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, iss: 'someone-else' }, secret),
      'wrong audience': sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, aud: 'another-api' }, secret),
      'role raised in the payload': sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, role: 'admin', sub: 'x' }, 'wrong'),
      garbage: 'not.a.token',
    };
    for (const [name, token] of Object.entries(forged)) {
      const response = await api.as(token).get('/api/v1/clients');
      expect({ name, status: response.status, code: response.body?.code }).toEqual({ name, status: 401, code: 'unauthorized' });
    }
    // The genuine token works, so the refusals above are about the tokens.
    expect((await business.admin.get('/api/v1/clients')).status).toBe(200);

    // A client whose access was revoked (made offline): their token is dead at once.
    const email = uniqueEmail('client');
    const added = await business.admin.post('/api/v1/clients', newClient({ email, type: 'full_access' }));
    const token = await mailToken(api, email);
    secrets.push(token);
    const accepted = await api.post('/api/v1/auth/accept-invitation', { token, password: PASSWORD });
    secrets.push(accepted.body.accessToken);
    const client = api.as(accepted.body.accessToken);
    expect((await client.get('/api/v1/me/profile')).status).toBe(200);
    await business.admin.put(`/api/v1/clients/${added.body.id}/type`, { type: 'offline' });
    expect((await client.get('/api/v1/me/profile')).status).toBe(401);
    recordCheck({ check: 'forged and revoked tokens', result: `${Object.keys(forged).length} forged kinds and 1 revoked client's token refused with 401` });
  }, 60_000);

  it('writes no password, token, key or secret into any log line', async () => {
    // More traffic with secrets in it: wrong passwords, a reset, a bad token.
    const business = await signUp(api);
    secrets.push(business.token);
    await api.post('/api/v1/auth/login', { email: business.email, password: 'wrong password here' });
    secrets.push('wrong password here');
    await api.post('/api/v1/auth/password-reset/request', { email: business.email });
    await api.as('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.').get('/api/v1/clients');
    expect(lines.length).toBeGreaterThan(10);
    const leaks = secrets.flatMap((secret) => lines.filter((line) => line.includes(secret)).map((line) => `${secret.slice(0, 6)}… in ${line.slice(0, 200)}`));
    expect(leaks).toEqual([]);
    recordCheck({ check: 'secrets in logs', result: `${secrets.length} secrets searched in ${lines.length} debug log lines: ${leaks.length} found` });
    // And the words themselves appear only redacted.
    for (const line of lines) expect(line).not.toMatch(/"(password|accessToken|token|secret|apiKey|authorization)":"(?!\[redacted\])/i);
  }, 60_000);
});
