import { randomUUID } from 'node:crypto';
import { Api, Business, PASSWORD, addCoach, newClient, signUp, uniqueEmail } from './support/http';
import { inProcessForSuite, startInProcess } from './support/in-process';

/**
 * The HTTP contract of api.md for the first slice, route by route and error code by error code,
 * against the whole system in this process (gateway -> in-process bus -> services -> SQLite).
 */
const inProcess = inProcessForSuite();

const expectProblem = (response: { status: number; headers: Headers; body: any }, status: number, code: string) => {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
};

describe('POST /api/v1/accounts', () => {
  const body = (email = uniqueEmail('owner')) => ({
    businessName: 'Stone Fitness',
    owner: { firstName: 'Maya', lastName: 'Stone', email, password: PASSWORD },
  });

  it('opens a business with its owner (201), with or without a seat limit', async () => {
    const opened = await inProcess.api.post('/api/v1/accounts', { ...body(), seatLimit: 10 });
    expect(opened.status).toBe(201);
    expect(opened.body).toEqual({ accountId: expect.any(String), ownerId: expect.any(String) });
    expect((await inProcess.api.post('/api/v1/accounts', body())).status).toBe(201);
    expect((await inProcess.api.post('/api/v1/accounts', { ...body(), seatLimit: null })).status).toBe(201);
  });

  it('400 validation_failed: short password, bad e-mail, unknown field, bad seat limit', async () => {
    const short = await inProcess.api.post('/api/v1/accounts', { ...body(), owner: { ...body().owner, password: 'short' } });
    expectProblem(short, 400, 'validation_failed');
    expect(short.body.errors).toEqual([expect.objectContaining({ field: 'owner.password' })]);
    expectProblem(await inProcess.api.post('/api/v1/accounts', body('not-an-email')), 400, 'validation_failed');
    expectProblem(await inProcess.api.post('/api/v1/accounts', { ...body(), plan: 'gold' }), 400, 'validation_failed');
    expectProblem(await inProcess.api.post('/api/v1/accounts', { ...body(), seatLimit: -1 }), 400, 'validation_failed');
    expectProblem(await inProcess.api.post('/api/v1/accounts', { ...body(), seatLimit: 2.5 }), 400, 'validation_failed');
    expectProblem(await inProcess.api.post('/api/v1/accounts', { businessName: 'x' }), 400, 'validation_failed');
  });

  it('409 email_taken for an e-mail that already signs in, whatever its case', async () => {
    const email = uniqueEmail('owner');
    expect((await inProcess.api.post('/api/v1/accounts', body(email))).status).toBe(201);
    expectProblem(await inProcess.api.post('/api/v1/accounts', body(email.toUpperCase())), 409, 'email_taken');
  });

  it('gives the same account for the same Idempotency-Key, and opens nothing twice', async () => {
    const request = body();
    const key = randomUUID();
    const first = await inProcess.api.post('/api/v1/accounts', request, { 'idempotency-key': key });
    const again = await inProcess.api.post('/api/v1/accounts', request, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });

  it('400 for malformed JSON and 413 payload_too_large over 1 MiB', async () => {
    expectProblem(await inProcess.api.post('/api/v1/accounts', '{"businessName":', { 'content-type': 'application/json' }), 400, 'validation_failed');
    const huge = JSON.stringify({ ...body(), businessName: 'x'.repeat(1024 * 1024 + 10) });
    expectProblem(await inProcess.api.post('/api/v1/accounts', huge, { 'content-type': 'application/json' }), 413, 'payload_too_large');
  });
});

describe('POST /api/v1/auth/login', () => {
  let business: Business;
  beforeAll(async () => {
    business = await signUp(inProcess.api);
  });

  it('answers a bearer token and the user; the e-mail is case-insensitive', async () => {
    const response = await inProcess.api.post('/api/v1/auth/login', { email: business.email.toUpperCase(), password: PASSWORD });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 3600,
      user: {
        id: business.ownerId,
        role: 'admin',
        accountId: business.accountId,
        email: business.email,
        firstName: 'Maya',
        lastName: 'Stone',
        capabilities: ['create_clients', 'delete_clients', 'manage_products', 'import_clients'],
      },
    });
    expect(JSON.stringify(response.body)).not.toContain('scrypt');
  });

  it('401 invalid_credentials for a wrong password and for an unknown e-mail, alike', async () => {
    const wrong = await inProcess.api.post('/api/v1/auth/login', { email: business.email, password: 'not the password' });
    const unknown = await inProcess.api.post('/api/v1/auth/login', { email: uniqueEmail('nobody'), password: PASSWORD });
    expectProblem(wrong, 401, 'invalid_credentials');
    expectProblem(unknown, 401, 'invalid_credentials');
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  it('400 validation_failed without an e-mail', async () => {
    expectProblem(await inProcess.api.post('/api/v1/auth/login', { password: PASSWORD }), 400, 'validation_failed');
  });
});

describe('authentication of every other route', () => {
  it('401 unauthorized without a token, with a malformed one, or one signed with another secret', async () => {
    expectProblem(await inProcess.api.get('/api/v1/clients'), 401, 'unauthorized');
    expectProblem(await inProcess.api.get('/api/v1/clients', { authorization: 'Bearer nonsense' }), 401, 'unauthorized');
    const forged = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIiwiYWNjIjoieCIsImNhcHMiOltdLCJpc3MiOiJjbGllbnRlbGUiLCJhdWQiOiJjbGllbnRlbGUtYXBpIiwiaWF0IjoxLCJleHAiOjk5OTk5OTk5OTl9.c2lnbmF0dXJl';
    expectProblem(await inProcess.api.get('/api/v1/clients', { authorization: `Bearer ${forged}` }), 401, 'unauthorized');
  });

  it('404 not_found as problem+json for an unknown route', async () => {
    expectProblem(await inProcess.api.get('/api/v1/nothing-here'), 404, 'not_found');
  });
});

describe('staff: POST and GET /api/v1/staff', () => {
  let business: Business;
  beforeAll(async () => {
    business = await signUp(inProcess.api);
  });

  it('an admin adds a coach (create_clients by default) and an admin (every capability), and lists them', async () => {
    const coach = await business.admin.post('/api/v1/staff', {
      firstName: 'Cora',
      lastName: 'Coach',
      email: uniqueEmail('coach'),
      password: PASSWORD,
      role: 'coach',
    });
    expect(coach.status).toBe(201);
    expect(coach.body).toMatchObject({ role: 'coach', capabilities: ['create_clients'], accountId: business.accountId });
    expect(coach.body).not.toHaveProperty('password');
    expect(coach.body).not.toHaveProperty('passwordHash');
    const admin = await business.admin.post('/api/v1/staff', {
      firstName: 'Adam',
      lastName: 'Admin',
      email: uniqueEmail('admin'),
      password: PASSWORD,
      role: 'admin',
    });
    expect(admin.body.capabilities).toEqual(['create_clients', 'delete_clients', 'manage_products', 'import_clients']);

    const list = await business.admin.get('/api/v1/staff?pageSize=2');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    expect(list.body.items.map((s: { lastName: string }) => s.lastName)).toEqual(['Admin', 'Coach']);
  });

  it('the new staff member can sign in', async () => {
    const coach = await addCoach(business);
    expect(coach.token).toEqual(expect.any(String));
  });

  it('403 forbidden for a coach, on both routes', async () => {
    const coach = await addCoach(business);
    expectProblem(await coach.api.get('/api/v1/staff'), 403, 'forbidden');
    expectProblem(await coach.api.post('/api/v1/staff', { firstName: 'X', lastName: 'Y', email: uniqueEmail(), password: PASSWORD, role: 'coach' }), 403, 'forbidden');
  });

  it('400 validation_failed for an unknown role or capability, 409 email_taken for a taken e-mail', async () => {
    const base = { firstName: 'X', lastName: 'Y', email: uniqueEmail(), password: PASSWORD };
    expectProblem(await business.admin.post('/api/v1/staff', { ...base, role: 'owner' }), 400, 'validation_failed');
    expectProblem(await business.admin.post('/api/v1/staff', { ...base, role: 'coach', capabilities: ['fly'] }), 400, 'validation_failed');
    expectProblem(await business.admin.post('/api/v1/staff', { ...base, email: business.email, role: 'coach' }), 409, 'email_taken');
  });
});

describe('PATCH /api/v1/account', () => {
  it('an admin changes the seat limit, to none as well', async () => {
    const business = await signUp(inProcess.api, 3);
    const changed = await business.admin.patch('/api/v1/account', { seatLimit: 5 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: business.accountId, seatLimit: 5, businessName: 'Stone Fitness' });
    expect((await business.admin.patch('/api/v1/account', { seatLimit: null })).body.seatLimit).toBeNull();
  });

  it('400 validation_failed for a missing or negative limit, 403 for a coach', async () => {
    const business = await signUp(inProcess.api, 3);
    expectProblem(await business.admin.patch('/api/v1/account', {}), 400, 'validation_failed');
    expectProblem(await business.admin.patch('/api/v1/account', { seatLimit: -2 }), 400, 'validation_failed');
    const coach = await addCoach(business);
    expectProblem(await coach.api.patch('/api/v1/account', { seatLimit: 9 }), 403, 'forbidden');
  });
});

describe('POST /api/v1/clients', () => {
  it('adds a client of each type (201) with a Location, an ETag and the whole profile', async () => {
    const business = await signUp(inProcess.api);
    for (const type of ['full_access', 'full_access_one_way', 'offline']) {
      const body = newClient({ type, phone: '+44 20 7946 0000' });
      const added = await business.admin.post('/api/v1/clients', body);
      expect(added.status).toBe(201);
      expect(added.headers.get('location')).toBe(`/api/v1/clients/${added.body.id}`);
      expect(added.headers.get('etag')).toBe('"0"');
      expect(added.body).toEqual({
        id: expect.any(String),
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: body.email,
        phone: '+44 20 7946 0000',
        type,
        status: 'active',
        coachId: business.ownerId,
        createdAt: expect.any(String),
        lastActivityAt: null,
        source: { kind: 'manual' },
        appAccess: type === 'offline' ? 'none' : 'invited',
        notes: [],
        notesTotal: 0,
        kpis: { messagesFromCoach: 0, messagesFromClient: 0, lastMessageAt: null, purchases: 0, totalSpent: null },
        updatedAt: expect.any(String),
        version: 0,
      });
    }
  });

  it('"Add" without e-mail leaves a full-access client not invited', async () => {
    const business = await signUp(inProcess.api);
    const added = await business.admin.post('/api/v1/clients', newClient({ sendInvitation: false }));
    expect(added.body.appAccess).toBe('not_invited');
  });

  it('400 validation_failed for missing fields, an unknown type or an unknown field', async () => {
    const business = await signUp(inProcess.api);
    const missing = await business.admin.post('/api/v1/clients', { firstName: 'Ada' });
    expectProblem(missing, 400, 'validation_failed');
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['lastName', 'email', 'type']));
    expectProblem(await business.admin.post('/api/v1/clients', newClient({ type: 'vip' })), 400, 'validation_failed');
    expectProblem(await business.admin.post('/api/v1/clients', newClient({ accountId: randomUUID() })), 400, 'validation_failed');
    expectProblem(await business.admin.post('/api/v1/clients', newClient({ firstName: '   ' })), 400, 'validation_failed');
  });

  it('409 email_taken for an e-mail already used in the account, case-insensitively; another account may use it', async () => {
    const business = await signUp(inProcess.api);
    const body = newClient();
    expect((await business.admin.post('/api/v1/clients', body)).status).toBe(201);
    expectProblem(await business.admin.post('/api/v1/clients', { ...body, email: body.email.toUpperCase() }), 409, 'email_taken');
    const other = await signUp(inProcess.api);
    expect((await other.admin.post('/api/v1/clients', body)).status).toBe(201);
  });

  it('409 offline_no_login when asking to send login details to an offline client', async () => {
    const business = await signUp(inProcess.api);
    expectProblem(await business.admin.post('/api/v1/clients', newClient({ type: 'offline', sendInvitation: true })), 409, 'offline_no_login');
    expect((await business.admin.post('/api/v1/clients', newClient({ type: 'offline', sendInvitation: false }))).status).toBe(201);
  });

  it('409 seat_limit_reached when every seat is taken, whatever the type', async () => {
    const business = await signUp(inProcess.api, 2);
    expect((await business.admin.post('/api/v1/clients', newClient({ type: 'offline' }))).status).toBe(201);
    expect((await business.admin.post('/api/v1/clients', newClient())).status).toBe(201);
    expectProblem(await business.admin.post('/api/v1/clients', newClient({ type: 'offline' })), 409, 'seat_limit_reached');
  });

  it('follows a raised seat limit', async () => {
    const business = await signUp(inProcess.api, 1);
    expect((await business.admin.post('/api/v1/clients', newClient())).status).toBe(201);
    expectProblem(await business.admin.post('/api/v1/clients', newClient()), 409, 'seat_limit_reached');
    await business.admin.patch('/api/v1/account', { seatLimit: 2 });
    // At once: a full roster asks identity for the limit before it refuses, so identity's event need not have arrived.
    expect((await business.admin.post('/api/v1/clients', newClient())).status).toBe(201);
    expectProblem(await business.admin.post('/api/v1/clients', newClient()), 409, 'seat_limit_reached');
  });

  it("assigns a coach's client to that coach; an admin may assign any coach of the account", async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business);
    expect((await coach.api.post('/api/v1/clients', newClient())).body.coachId).toBe(coach.id);
    expect((await business.admin.post('/api/v1/clients', newClient({ coachId: coach.id }))).body.coachId).toBe(coach.id);
  });

  it('400 for a coachId outside the account, 403 for a coach choosing another coach', async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business);
    const stranger = await addCoach(await signUp(inProcess.api));
    expectProblem(await business.admin.post('/api/v1/clients', newClient({ coachId: stranger.id })), 400, 'validation_failed');
    expectProblem(await business.admin.post('/api/v1/clients', newClient({ coachId: randomUUID() })), 400, 'validation_failed');
    expectProblem(await coach.api.post('/api/v1/clients', newClient({ coachId: business.ownerId })), 403, 'forbidden');
  });

  it('403 forbidden for a coach without create_clients', async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business, ['import_clients']);
    expectProblem(await coach.api.post('/api/v1/clients', newClient()), 403, 'forbidden');
  });

  it('adds one client for the same Idempotency-Key, however often it is sent', async () => {
    const business = await signUp(inProcess.api);
    const body = newClient();
    const key = randomUUID();
    const first = await business.admin.post('/api/v1/clients', body, { 'idempotency-key': key });
    const again = await business.admin.post('/api/v1/clients', body, { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect((await business.admin.get('/api/v1/clients')).body.total).toBe(1);
    expectProblem(await business.admin.post('/api/v1/clients', newClient(), { 'idempotency-key': 'x'.repeat(201) }), 400, 'validation_failed');
  });
});

describe('GET /api/v1/clients', () => {
  let business: Business;
  let coach: { id: string; api: Api };
  const names = [
    ['Zoë', 'Adams', 'full_access'],
    ['yann', 'baker', 'offline'],
    ['Xavier', 'Clark', 'full_access_one_way'],
    ['Wanda', 'Adams', 'full_access'],
  ] as const;

  beforeAll(async () => {
    business = await signUp(inProcess.api);
    coach = await addCoach(business);
    for (const [firstName, lastName, type] of names) {
      await business.admin.post('/api/v1/clients', newClient({ firstName, lastName, type, email: uniqueEmail(firstName.toLowerCase()) }));
    }
    await coach.api.post('/api/v1/clients', newClient({ firstName: 'Carl', lastName: 'Coached', email: uniqueEmail('carl') }));
  });

  const names$ = (body: { items: Array<{ firstName: string; lastName: string }> }) => body.items.map((c) => `${c.firstName} ${c.lastName}`);

  it('lists the whole account for an admin, by last name then first name', async () => {
    const list = await business.admin.get('/api/v1/clients');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ page: 1, pageSize: 25, total: 5 });
    expect(names$(list.body)).toEqual(['Wanda Adams', 'Zoë Adams', 'yann baker', 'Xavier Clark', 'Carl Coached']);
    expect(Object.keys(list.body.items[0]).sort()).toEqual(
      ['coachId', 'createdAt', 'email', 'firstName', 'id', 'lastActivityAt', 'lastName', 'phone', 'status', 'type'].sort(),
    );
  });

  it('shows a coach only their own clients', async () => {
    const list = await coach.api.get('/api/v1/clients');
    expect(names$(list.body)).toEqual(['Carl Coached']);
    expect((await coach.api.get(`/api/v1/clients?coachId=${business.ownerId}`)).body.total).toBe(0);
  });

  it('searches first name, last name and e-mail by case-insensitive substring', async () => {
    expect(names$((await business.admin.get('/api/v1/clients?search=ADAM')).body)).toEqual(['Wanda Adams', 'Zoë Adams']);
    expect(names$((await business.admin.get('/api/v1/clients?search=zo%C3%AB')).body)).toEqual(['Zoë Adams']);
    expect(names$((await business.admin.get('/api/v1/clients?search=yann.')).body)).toEqual(['yann baker']);
  });

  it('filters by type, status and coach', async () => {
    expect(names$((await business.admin.get('/api/v1/clients?type=full_access')).body)).toEqual(['Wanda Adams', 'Zoë Adams', 'Carl Coached']);
    expect((await business.admin.get('/api/v1/clients?status=pending')).body.total).toBe(0);
    expect((await business.admin.get('/api/v1/clients?status=active')).body.total).toBe(5);
    expect(names$((await business.admin.get(`/api/v1/clients?coachId=${coach.id}`)).body)).toEqual(['Carl Coached']);
  });

  it('sorts six ways', async () => {
    const sorted = async (sort: string) => names$((await business.admin.get(`/api/v1/clients?sort=${sort}`)).body);
    expect(await sorted('-name')).toEqual(['Carl Coached', 'Xavier Clark', 'yann baker', 'Zoë Adams', 'Wanda Adams']);
    expect(await sorted('createdAt')).toEqual(['Zoë Adams', 'yann baker', 'Xavier Clark', 'Wanda Adams', 'Carl Coached']);
    expect(await sorted('-createdAt')).toEqual(['Carl Coached', 'Wanda Adams', 'Xavier Clark', 'yann baker', 'Zoë Adams']);
    expect(await sorted('lastActivityAt')).toHaveLength(5);
    expect(await sorted('-lastActivityAt')).toHaveLength(5);
    expect(await sorted('name')).toEqual(['Wanda Adams', 'Zoë Adams', 'yann baker', 'Xavier Clark', 'Carl Coached']);
  });

  it('pages', async () => {
    const second = await business.admin.get('/api/v1/clients?page=2&pageSize=2');
    expect(second.body).toMatchObject({ page: 2, pageSize: 2, total: 5 });
    expect(names$(second.body)).toEqual(['yann baker', 'Xavier Clark']);
    expect((await business.admin.get('/api/v1/clients?page=9&pageSize=2')).body.items).toEqual([]);
  });

  it('400 validation_failed for an unknown sort, type or a page size over 100', async () => {
    expectProblem(await business.admin.get('/api/v1/clients?sort=phone'), 400, 'validation_failed');
    expectProblem(await business.admin.get('/api/v1/clients?type=vip'), 400, 'validation_failed');
    expectProblem(await business.admin.get('/api/v1/clients?pageSize=101'), 400, 'validation_failed');
    expectProblem(await business.admin.get('/api/v1/clients?page=0'), 400, 'validation_failed');
    expectProblem(await business.admin.get('/api/v1/clients?colour=red'), 400, 'validation_failed');
  });

  it('GET /recent: newest first, scoped like the list', async () => {
    const recent = await business.admin.get('/api/v1/clients/recent?limit=2');
    expect(recent.status).toBe(200);
    expect(names$(recent.body)).toEqual(['Carl Coached', 'Wanda Adams']);
    expect(names$((await coach.api.get('/api/v1/clients/recent')).body)).toEqual(['Carl Coached']);
    expectProblem(await business.admin.get('/api/v1/clients/recent?limit=0'), 400, 'validation_failed');
  });
});

describe('GET /api/v1/clients/:id', () => {
  it('answers the profile with an ETag', async () => {
    const business = await signUp(inProcess.api);
    const added = await business.admin.post('/api/v1/clients', newClient());
    const read = await business.admin.get(`/api/v1/clients/${added.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(added.body);
    expect(read.headers.get('etag')).toBe('"0"');
  });

  it("404 not_found for another coach's client, another account's client and an unknown id", async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business);
    const adminsClient = await business.admin.post('/api/v1/clients', newClient());
    expectProblem(await coach.api.get(`/api/v1/clients/${adminsClient.body.id}`), 404, 'not_found');
    const other = await signUp(inProcess.api);
    expectProblem(await other.admin.get(`/api/v1/clients/${adminsClient.body.id}`), 404, 'not_found');
    expectProblem(await business.admin.get(`/api/v1/clients/${randomUUID()}`), 404, 'not_found');
    expectProblem(await business.admin.get('/api/v1/clients/not-a-uuid'), 404, 'not_found');
  });
});

describe('operations', () => {
  it('GET /health answers 200 with every check up', async () => {
    const health = await inProcess.api.get('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
  });

  it('serves the OpenAPI document of the real controllers at /docs-json and Swagger UI at /docs', async () => {
    const doc = await inProcess.api.get('/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/accounts', '/api/v1/auth/login', '/api/v1/staff', '/api/v1/account', '/api/v1/clients', '/api/v1/clients/recent', '/api/v1/clients/{id}']),
    );
    const ui = await fetch(`${inProcess.api.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('echoes a correlation id', async () => {
    const response = await inProcess.api.get('/health', { 'x-correlation-id': 'req-123' });
    expect(response.headers.get('x-correlation-id')).toBe('req-123');
  });
});

describe('the dev mailbox', () => {
  it('is served outside production, and absent in production', async () => {
    expect((await inProcess.api.get('/api/v1/dev/mailbox?to=nobody@example.com')).body).toEqual({ items: [] });
    expectProblem(await inProcess.api.get('/api/v1/dev/mailbox'), 400, 'validation_failed');
    const production = await startInProcess({ NODE_ENV: 'production' });
    try {
      expectProblem(await production.api.get('/api/v1/dev/mailbox?to=nobody@example.com'), 404, 'not_found');
    } finally {
      await production.stop();
    }
  });
});

describe('rate limit on the sign-in routes', () => {
  it('429 rate_limited with Retry-After past the limit per minute and address', async () => {
    const limited = await startInProcess({ CLIENTELE_AUTH_RATE_LIMIT: '3' });
    try {
      const attempts = [];
      for (let i = 0; i < 4; i++) attempts.push(await limited.api.post('/api/v1/auth/login', { email: uniqueEmail(), password: PASSWORD }));
      expect(attempts.map((a) => a.status)).toEqual([401, 401, 401, 429]);
      expectProblem(attempts[3], 429, 'rate_limited');
      expect(Number(attempts[3].headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await limited.api.get('/health')).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe('a service that does not answer', () => {
  it('503 unavailable, fast, when no service answers over NATS', async () => {
    const lonely = await startInProcess({
      CLIENTELE_PROFILE: 'distributed',
      CLIENTELE_EVENT_STORE: 'sqlite',
      CLIENTELE_DOCUMENT_STORE: 'sqlite',
      CLIENTELE_MAIL: 'dev-mailbox',
      CLIENTELE_SERVICES: 'gateway',
      CLIENTELE_NATS_NAMESPACE: `lonely-${randomUUID().slice(0, 8)}`,
      CLIENTELE_REQUEST_TIMEOUT_MS: '500',
    });
    try {
      const started = Date.now();
      expectProblem(await lonely.api.post('/api/v1/auth/login', { email: uniqueEmail(), password: PASSWORD }), 503, 'unavailable');
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await lonely.api.get('/health')).status).toBe(503);
    } finally {
      await lonely.stop();
    }
  });
});
