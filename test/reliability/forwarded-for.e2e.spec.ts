import { Api } from '../support/http';
import { distributedInProcessForSuite } from '../support/in-process';

/**
 * Issue 17, finding 7: in the distributed profile the gateway believed X-Forwarded-For from anyone,
 * so a client at 429 on the sign-in route got a fresh bucket per attempt by rotating the header
 * (100 of 100 attempts passed). The header now counts only from CLIENTELE_TRUSTED_PROXIES.
 * Both systems here run the distributed profile in this process (NATS, SQLite stores), with a
 * limit of 5 sign-in attempts per minute and address.
 */
const LIMIT = 5;

const distributedForSuite = (env: Record<string, string> = {}) => distributedInProcessForSuite({ CLIENTELE_AUTH_RATE_LIMIT: String(LIMIT), ...env });

/** A sign-in attempt (a wrong password for nobody: only whether the limit let it through matters). */
const attempt = async (api: Api, forwardedFor?: string) =>
  (await api.post('/api/v1/auth/login', { email: 'victim@example.com', password: 'wrong password 1' }, forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}))
    .status;

let n = 0;
/** A different documentation address (RFC 5737) on each call, like the attack's rotating header. */
const rotating = () => `198.51.100.${(n++ % 250) + 1}`;

describe('no trusted proxy (the default): X-Forwarded-For is ignored', () => {
  const system = distributedForSuite();

  it('a rotating header does not get past the per-address limit of the socket', async () => {
    for (let i = 0; i < LIMIT; i++) expect(await attempt(system.api, rotating())).not.toBe(429);
    // The attack: a new forwarded address on every attempt. Each is still counted to the socket.
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push(await attempt(system.api, rotating()));
    expect(statuses.filter((status) => status !== 429)).toEqual([]);
    expect(await attempt(system.api)).toBe(429);
  });
});

describe('the socket address is a trusted proxy: X-Forwarded-For names the client', () => {
  const system = distributedForSuite({ CLIENTELE_TRUSTED_PROXIES: '127.0.0.1,::1' });

  it('counts each forwarded client on its own, so one at its limit does not lock out the others behind the proxy', async () => {
    for (let i = 0; i < LIMIT; i++) expect(await attempt(system.api, '203.0.113.7')).not.toBe(429);
    expect(await attempt(system.api, '203.0.113.7')).toBe(429);
    // Another client behind the same proxy, and the proxy's own address, have their own buckets.
    expect(await attempt(system.api, '203.0.113.8')).not.toBe(429);
    expect(await attempt(system.api)).not.toBe(429);
  });

  it('takes the address the proxy saw (the rightmost untrusted one): what the client wrote to the left of it is not believed', async () => {
    // The proxy appends the address it saw; the client controls only what comes before it.
    for (let i = 0; i < LIMIT; i++) expect(await attempt(system.api, `${rotating()}, 203.0.113.9`)).not.toBe(429);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await attempt(system.api, `${rotating()}, 203.0.113.9`));
    expect(statuses.filter((status) => status !== 429)).toEqual([]);
  });
});
