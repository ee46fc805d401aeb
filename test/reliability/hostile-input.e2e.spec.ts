import fc from 'fast-check';
import { Api, Business, PASSWORD, login, signUp } from '../support/http';
import { inProcessForSuite } from '../support/in-process';
import { recordFuzz } from '../support/reliability-report';

/**
 * A property-based fuzzer over every route of the OpenAPI document: bodies and queries built from
 * the route's own field names with hostile values (wrong types, huge strings, deep nesting,
 * unicode edge cases, Mongo operators, __proto__ / constructor keys), sent as the admin and as
 * nobody. Every answer must be a 2xx or a 4xx problem+json, never a 5xx; a refused client creation
 * stores nothing. FUZZ_RUNS sets the cases per route (CI: 8; `npm run test:soak`: 200).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 8);

const FIELDS = [
  'firstName', 'lastName', 'email', 'phone', 'type', 'sendInvitation', 'coachId', 'clientIds', 'dryRun', 'body', 'name', 'price', 'amount',
  'currency', 'clientType', 'productId', 'buyer', 'token', 'password', 'seatLimit', 'businessName', 'owner', 'role', 'capabilities',
  'start', 'durationMinutes', 'online', 'location', 'reason', 'attended', 'sessions', 'expiresAt',
];
const QUERY = ['search', 'type', 'status', 'coachId', 'sort', 'page', 'pageSize', 'limit', 'to', 'when', 'from', 'tz'];

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom('', ' ', '\u0000', '\u202e', '\ud800', '👩‍👩‍👧‍👦', 'ＡＢＣ', '<script>alert(1)</script>', "' OR 1=1 --", '=HYPERLINK("http://evil.example","x")', '../../etc/passwd', '%00', '${jndi:ldap://x}'),
  fc.nat({ max: 3 }).map((n) => 'x'.repeat([1_000, 10_000, 100_000, 300_000][n])),
);
const leaf = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(-1, 0, 1e308, Number.MAX_SAFE_INTEGER + 2));
const operator = fc.constantFrom({ $gt: '' }, { $ne: null }, { $where: 'sleep(1000)' }, { $regex: '.*' }, { $in: [] });
// Deep nesting travels as raw JSON text (building it as an object would overflow the test's own stack).
const deepText = fc.nat({ max: 2 }).map((n) => {
  const depth = [10, 1_000, 20_000][n];
  return `${'{"firstName":'.repeat(depth)}"x"${'}'.repeat(depth)}`;
});
const hostileValue = fc.oneof(leaf, operator, fc.array(leaf, { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 5 }), leaf, { maxKeys: 3 }));
const protoKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', '$where', 'toString');
const hostileBody = fc.oneof(
  fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), protoKeys), hostileValue, { maxKeys: 6 }),
  hostileValue,
  deepText,
  fc.constantFrom('{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {"x": 1}}}', '{"a":', '[[[[[[[[[[', 'null', '"string"'),
);
const hostileQuery = fc.dictionary(fc.constantFrom(...QUERY), fc.oneof(hostileString, fc.constantFrom('-1', '0', '1e9', 'NaN', '[object Object]')), { maxKeys: 4 });

describe('hostile input: a fuzzer over every route', () => {
  const inProcess = inProcessForSuite();
  let business: Business;
  let routes: { method: string; path: string }[];
  const stats = { cases: 0, fiveHundreds: 0 };

  beforeAll(async () => {
    business = await signUp(inProcess.api);
    const doc = (await inProcess.api.get('/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })));
  }, 60_000);

  afterAll(async () => {
    process.stdout.write(`hostile input: ${routes?.length ?? 0} routes, ${stats.cases} fuzz cases run, ${stats.fiveHundreds} 5xx seen\n`);
    recordFuzz({ routes: routes?.length ?? 0, cases: stats.cases, fiveHundreds: stats.fiveHundreds });
  });

  const send = async (api: Api, method: string, path: string, body: unknown, query: Record<string, string>) => {
    const search = new URLSearchParams(query).toString();
    const url = `${path.replace('{id}', encodeURIComponent('a-b-c'))}${search ? `?${search}` : ''}`;
    const raw = typeof body === 'string' && (body.startsWith('{') || body.startsWith('[') || body === 'null' || body.startsWith('"'));
    return api.call(method, url, method === 'GET' || method === 'DELETE' ? undefined : raw ? body : JSON.stringify(body ?? null), {
      'content-type': path.endsWith('/import') ? 'text/csv' : 'application/json',
      'idempotency-key': 'fuzz-key',
    });
  };

  it('answers every hostile body and query with a 2xx or a 4xx problem, never a 5xx', async () => {
    const failures: string[] = [];
    for (const { method, path } of routes) {
      if (path === '/api/v1/accounts' || path.includes('password-reset/request')) continue; // fuzzed below with the rate limit in mind
      await fc.assert(
        fc.asyncProperty(hostileBody, hostileQuery, fc.boolean(), async (body, query, anonymous) => {
          stats.cases++;
          let response;
          try {
            response = await send(anonymous ? inProcess.api : business.admin, method, path, body, query);
          } catch (error) {
            failures.push(`${method} ${path} ${JSON.stringify(body)?.slice(0, 120)} ${JSON.stringify(query).slice(0, 80)} -> no answer: ${(error as Error).cause ?? error}`);
            return true;
          }
          // Logging out (or a password change that went through) ends the admin's tokens: sign in again for the next case.
          if (!anonymous && response.status < 300 && (path === '/api/v1/auth/logout' || path === '/api/v1/me/password')) {
            business = { ...business, admin: inProcess.api.as(await login(inProcess.api, business.email)) };
          }
          if (response.status >= 500) {
            stats.fiveHundreds++;
            failures.push(`${method} ${path} ${JSON.stringify(body)?.slice(0, 120)} ${JSON.stringify(query).slice(0, 80)} -> ${response.status}`);
          } else if (response.status >= 400 && !String(response.headers.get('content-type')).includes('application/problem+json')) {
            failures.push(`${method} ${path} -> ${response.status} without problem+json`);
          }
          return true;
        }),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 42) },
      );
    }
    expect(failures.slice(0, 10)).toEqual([]);
  }, 240_000);

  it('stores nothing when it refuses a client, an account or a product', async () => {
    const before = (await business.admin.get('/api/v1/clients')).body.total;
    const productsBefore = (await business.admin.get('/api/v1/products')).body.total;
    await fc.assert(
      fc.asyncProperty(hostileBody, async (body) => {
        stats.cases += 2;
        const client = await send(business.admin, 'POST', '/api/v1/clients', body, {});
        const product = await send(business.admin, 'POST', '/api/v1/products', body, {});
        expect(client.status).toBeLessThan(500);
        expect(product.status).toBeLessThan(500);
        if (client.status >= 400) expect((await business.admin.get('/api/v1/clients')).body.total).toBe(before + 0);
        if (product.status >= 400) expect((await business.admin.get('/api/v1/products')).body.total).toBe(productsBefore);
        return client.status >= 400 && product.status >= 400;
      }),
      { numRuns: RUNS * 3, seed: 7 },
    );
  }, 120_000);

  it('refuses a body over the limit with 413, and a sign-up with operators in it', async () => {
    const huge = await business.admin.call<any>('POST', '/api/v1/clients', JSON.stringify({ firstName: 'x'.repeat(2 * 1024 * 1024) }), { 'content-type': 'application/json' });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('payload_too_large');
    const signUpWithOperators = await inProcess.api.post('/api/v1/accounts', { businessName: { $gt: '' }, owner: { firstName: 'a', lastName: 'b', email: { $ne: null }, password: PASSWORD }, __proto__: { admin: true } });
    expect(signUpWithOperators.status).toBe(400);
    expect(signUpWithOperators.body.code).toBe('validation_failed');
  });
});
