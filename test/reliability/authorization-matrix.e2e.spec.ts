import { randomUUID } from 'node:crypto';
import { Api, ApiResponse, addCoach, mailToken, newClient, signUp, uniqueEmail, PASSWORD } from '../support/http';
import { RunningSystem, startInProcess } from '../support/in-process';
import { recordMatrix } from '../support/reliability-report';
import { StripeStandIn } from '../support/stripe-stand-in';

/**
 * Every route of the OpenAPI document x every kind of caller, with the answer each must get.
 * A route missing from RULES fails the suite: a new route has to say who may call it. Each route
 * gets fresh targets (a client assigned to coach A1, a product of account A), so what one role
 * did never decides another's answer; the admin goes last.
 *
 * Expectations: `ok` is a 2xx; 401 for no token; 403 for a role or capability the caller lacks
 * (it says nothing about the target); 404 for a target in another account or a client not
 * assigned to the calling coach (existence is never leaked).
 */
type Role = 'anonymous' | 'client' | 'coachOfOtherAccount' | 'unassignedCoach' | 'assignedCoach' | 'admin';
const ROLES: Role[] = ['anonymous', 'client', 'coachOfOtherAccount', 'unassignedCoach', 'assignedCoach', 'admin'];
type Expected = 'ok' | 400 | 401 | 403 | 404 | 'public';

interface Targets {
  clientId: string;
  productId: string;
  /** Only for /api/v1/sessions/{id} routes: a paid-for session the assigned coach led with the client, an hour in the past. */
  sessionId?: string;
  /** Only for /programs/{programId} routes: a priced bundle of the client. */
  programId?: string;
  /** Only for /api/v1/staff/{id}: a fresh coach of account A with no clients. */
  staffId?: string;
  /** The caller, for bodies that depend on it. */
  role?: Role;
}

/** Distinct slots, so that no booking of the matrix ever double-books a calendar. */
let slot = 0;
const nextSlot = (direction: 1 | -1) => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + direction * (2 + slot++) * 3_600_000).toISOString();

interface Rule {
  body?: (t: Targets) => unknown;
  raw?: { contentType: string; body: string };
  expect: Record<Role, Expected>;
  /** Checked after a call that answered 2xx for a caller who must not have changed anything (bulk: per-client outcomes). */
  check?: (role: Role, response: ApiResponse) => void;
  /** The call ends the caller's tokens (logout, password change): sign them in again after a 2xx. */
  endsSession?: boolean;
}

const staffAny = (extra: Partial<Record<Role, Expected>> = {}): Record<Role, Expected> => ({
  anonymous: 401,
  client: 403,
  coachOfOtherAccount: 'ok',
  unassignedCoach: 'ok',
  assignedCoach: 'ok',
  admin: 'ok',
  ...extra,
});
const clientScoped = (extra: Partial<Record<Role, Expected>> = {}) => staffAny({ coachOfOtherAccount: 404, unassignedCoach: 404, ...extra });
const adminOnly = staffAny({ coachOfOtherAccount: 403, unassignedCoach: 403, assignedCoach: 403 });
const clientOnly: Record<Role, Expected> = { anonymous: 401, client: 'ok', coachOfOtherAccount: 403, unassignedCoach: 403, assignedCoach: 403, admin: 403 };
const everyone: Record<Role, Expected> = { anonymous: 'public', client: 'public', coachOfOtherAccount: 'public', unassignedCoach: 'public', assignedCoach: 'public', admin: 'public' };

/** The owner of account A signs in through the public login route. */
let ownerEmail = '';
/** Each signed-in caller's current password: the password-change route moves it on. */
const passwords: Partial<Record<Role, string>> = {};
let passwordChanges = 0;

const RULES: Record<string, Rule> = {
  'GET /health': { expect: everyone },
  'GET /health/live': { expect: everyone },
  'GET /health/ready': { expect: everyone },
  'POST /api/v1/accounts': { body: () => ({ businessName: 'Other Gym', owner: { firstName: 'A', lastName: 'B', email: uniqueEmail('owner'), password: PASSWORD } }), expect: everyone },
  'PATCH /api/v1/account': { body: () => ({ seatLimit: 500 }), expect: adminOnly },
  'GET /api/v1/account/seats': { expect: staffAny() },
  'POST /api/v1/auth/login': { body: () => ({ email: ownerEmail, password: PASSWORD }), expect: everyone },
  'POST /api/v1/auth/accept-invitation': { body: () => ({ token: 'x.y.z', password: PASSWORD }), expect: everyone },
  'POST /api/v1/auth/password-reset/request': { body: () => ({ email: uniqueEmail('nobody') }), expect: everyone },
  'POST /api/v1/auth/password-reset/confirm': { body: () => ({ token: 'x.y.z', password: PASSWORD }), expect: everyone },
  'POST /api/v1/auth/confirm-email': { body: () => ({ token: 'x.y.z' }), expect: everyone },
  'POST /api/v1/auth/invitation-status': { body: () => ({ token: 'x.y.z' }), expect: everyone },
  'POST /api/v1/auth/logout': { expect: { ...staffAny(), client: 'ok' }, endsSession: true },
  'POST /api/v1/me/password': {
    body: (t) => ({ currentPassword: passwords[t.role!] ?? PASSWORD, newPassword: `${PASSWORD} ${++passwordChanges}` }),
    expect: staffAny(),
    endsSession: true,
  },
  'DELETE /api/v1/staff/{id}': { expect: adminOnly },
  'POST /api/v1/staff': { body: () => ({ firstName: 'C', lastName: 'D', email: uniqueEmail('staff'), password: PASSWORD, role: 'coach' }), expect: adminOnly },
  'GET /api/v1/staff': { expect: adminOnly },
  'PATCH /api/v1/staff/{id}': { body: () => ({ capabilities: ['create_clients', 'import_clients'] }), expect: adminOnly },
  'POST /api/v1/staff/{id}/password-reset': { expect: adminOnly },
  'GET /api/v1/account': { expect: staffAny() },
  'POST /api/v1/clients': { body: () => newClient({ type: 'offline' }), expect: staffAny() },
  'GET /api/v1/clients': { expect: staffAny() },
  'GET /api/v1/clients/export': { expect: staffAny() },
  'GET /api/v1/clients/recent': { expect: staffAny() },
  'POST /api/v1/clients/bulk/type': {
    body: (t) => ({ clientIds: [t.clientId], type: 'full_access_one_way' }),
    expect: staffAny(),
    // Callers who may not see the client get an answer, but the client's outcome is not_found.
    check: (role, response) => {
      if (role === 'coachOfOtherAccount' || role === 'unassignedCoach') {
        expect(response.body.results).toEqual([{ clientId: expect.any(String), outcome: 'failed', error: expect.objectContaining({ code: 'not_found' }) }]);
      }
    },
  },
  'POST /api/v1/clients/import': {
    raw: { contentType: 'text/csv', body: `firstName,lastName,email,phone,type\nIm,Ported,${uniqueEmail('import')},,offline\n` },
    expect: staffAny({ coachOfOtherAccount: 403, unassignedCoach: 403, assignedCoach: 403 }),
  },
  // Needs import_clients; the target here is no import of anyone's, so even the admin gets 404 (csv-limits.e2e.spec.ts reads a real one).
  'GET /api/v1/clients/imports/{id}/report': { expect: staffAny({ coachOfOtherAccount: 403, unassignedCoach: 403, assignedCoach: 403, admin: 404 }) },
  'GET /api/v1/clients/{id}': { expect: clientScoped() },
  'PATCH /api/v1/clients/{id}': { body: () => ({ phone: '+44 20 7946 0000' }), expect: clientScoped() },
  'DELETE /api/v1/clients/{id}': { expect: clientScoped({ coachOfOtherAccount: 403, unassignedCoach: 403, assignedCoach: 403 }) },
  'PUT /api/v1/clients/{id}/type': { body: () => ({ type: 'full_access_one_way' }), expect: clientScoped() },
  'POST /api/v1/clients/{id}/notes': { body: () => ({ body: 'A note' }), expect: clientScoped() },
  'GET /api/v1/clients/{id}/notes': { expect: clientScoped() },
  'PUT /api/v1/clients/{id}/coach': { body: () => ({ coachId: 'set-in-test' }), expect: adminOnly },
  'POST /api/v1/clients/{id}/login-details': { expect: clientScoped() },
  'POST /api/v1/clients/{id}/password-reset': { expect: clientScoped() },
  'GET /api/v1/clients/{id}/history': { expect: clientScoped() },
  'GET /api/v1/clients/{id}/purchases': { expect: clientScoped() },
  'POST /api/v1/clients/{id}/messages': { body: () => ({ body: 'Hello' }), expect: clientScoped() },
  'GET /api/v1/clients/{id}/messages': { expect: clientScoped() },
  'POST /api/v1/clients/{id}/sessions': { body: () => ({ start: nextSlot(1), durationMinutes: 30 }), expect: clientScoped() },
  'GET /api/v1/clients/{id}/sessions': { expect: clientScoped() },
  'GET /api/v1/clients/{id}/sessions/summary': { expect: clientScoped() },
  'POST /api/v1/clients/{id}/programs': { body: () => ({ name: '5 sessions', sessions: 5 }), expect: clientScoped() },
  'GET /api/v1/clients/{id}/programs': { expect: clientScoped() },
  'POST /api/v1/clients/{id}/programs/{programId}/payment': { body: () => ({}), expect: clientScoped() },
  'POST /api/v1/clients/{id}/programs/{programId}/refund': { expect: clientScoped() },
  'GET /api/v1/clients/{id}/payments': { expect: clientScoped() },
  'GET /api/v1/clients/{id}/payments/summary': { expect: clientScoped() },
  'GET /api/v1/sessions': { expect: staffAny() },
  'GET /api/v1/sessions/agenda': { expect: staffAny() },
  'GET /api/v1/sessions/{id}': { expect: clientScoped() },
  'PATCH /api/v1/sessions/{id}': { body: () => ({ durationMinutes: 45 }), expect: clientScoped() },
  'POST /api/v1/sessions/{id}/cancel': { body: () => ({ reason: 'ill' }), expect: clientScoped() },
  'POST /api/v1/sessions/{id}/complete': { body: () => ({}), expect: clientScoped() },
  'POST /api/v1/sessions/{id}/payment': { body: () => ({}), expect: clientScoped() },
  'POST /api/v1/sessions/{id}/refund': { expect: clientScoped() },
  'GET /api/v1/me/profile': { expect: clientOnly },
  'PATCH /api/v1/me/profile': { body: () => ({ phone: '+44 20 7946 0001' }), expect: clientOnly },
  'POST /api/v1/me/messages': { body: () => ({ body: 'Hi coach' }), expect: clientOnly },
  'GET /api/v1/me/messages': { expect: clientOnly },
  // Progress (issue 21, item 15): staff record for a client they may change; a client for themselves; admins choose the units.
  'POST /api/v1/clients/{id}/measurements': { body: () => ({ values: { weight: 72.5 } }), expect: clientScoped() },
  'GET /api/v1/clients/{id}/measurements': { expect: clientScoped() },
  'POST /api/v1/me/measurements': { body: () => ({ values: { waist: 80 } }), expect: clientOnly },
  'GET /api/v1/me/measurements': { expect: clientOnly },
  'GET /api/v1/account/measurement-units': { expect: staffAny() },
  'PUT /api/v1/account/measurement-units': { body: () => ({ units: 'metric' }), expect: adminOnly },
  'POST /api/v1/products': {
    body: () => ({ name: 'Plan', price: { amount: 1000, currency: 'EUR' } }),
    expect: staffAny({ coachOfOtherAccount: 403, unassignedCoach: 403, assignedCoach: 403 }),
  },
  'GET /api/v1/products': { expect: staffAny() },
  'GET /api/v1/products/{id}': { expect: staffAny({ coachOfOtherAccount: 404 }) },
  'PATCH /api/v1/products/{id}': { body: () => ({ name: 'Renamed' }), expect: staffAny({ coachOfOtherAccount: 403, unassignedCoach: 403, assignedCoach: 403 }) },
  'POST /api/v1/products/{id}/archive': { expect: staffAny({ coachOfOtherAccount: 403, unassignedCoach: 403, assignedCoach: 403 }) },
  'POST /api/v1/checkout': { body: (t) => ({ productId: t.productId, buyer: { firstName: 'B', lastName: 'Uyer', email: uniqueEmail('buyer') } }), expect: everyone },
  'GET /api/v1/checkout/products/{id}': { expect: everyone },
  // What became of a purchase's buyer, for the checkout page (issue 21): public, by an unguessable purchase id.
  'GET /api/v1/checkout/purchases/{purchaseId}': { expect: everyone },
  'GET /api/v1/dev/mailbox': { expect: everyone },
  // Payments (issue 22): staff see how the business takes payments, admins connect and disconnect Stripe.
  'GET /api/v1/account/payments': { expect: staffAny() },
  'PUT /api/v1/account/payments/stripe': { body: () => ({ secretKey: 'sk_test_matrix0000000000001234', webhookSecret: 'whsec_matrix00000000000000' }), expect: adminOnly },
  'DELETE /api/v1/account/payments/stripe': { expect: adminOnly },
  // The target is no purchase of the client's: 404 for every member of staff (stripe-checkout.e2e.spec.ts reads a real one).
  'GET /api/v1/clients/{id}/purchases/{purchaseId}': { expect: staffAny({ coachOfOtherAccount: 404, unassignedCoach: 404, assignedCoach: 404, admin: 404 }) },
  // Needs manage_products; the target is no purchase of the client's, so even the admin gets 404 (stripe-checkout.e2e.spec.ts refunds a real one).
  'POST /api/v1/clients/{id}/purchases/{purchaseId}/refund': { body: () => ({}), expect: staffAny({ coachOfOtherAccount: 403, unassignedCoach: 403, assignedCoach: 403, admin: 404 }) },
  // Stripe's webhook is public, but only a valid signature opens it: for anyone without one, 400 invalid_signature and nothing recorded.
  'POST /api/v1/payments/stripe/webhook': {
    body: (t) => ({ id: 'evt_forged', type: 'checkout.session.completed', data: { object: { metadata: { purchaseId: randomUUID(), accountId: t.productId } } } }),
    expect: { anonymous: 400, client: 400, coachOfOtherAccount: 400, unassignedCoach: 400, assignedCoach: 400, admin: 400 },
  },
  // A business's own webhook URL (account A's): public too, and likewise opened only by a signature made with A's signing secret.
  'POST /api/v1/payments/stripe/webhook/{accountId}': {
    body: () => ({ id: 'evt_forged', type: 'charge.refunded', data: { object: { metadata: {} } } }),
    expect: { anonymous: 400, client: 400, coachOfOtherAccount: 400, unassignedCoach: 400, assignedCoach: 400, admin: 400 },
  },
};

describe('authorization matrix: every route of the OpenAPI document x every kind of caller', () => {
  let system: RunningSystem;
  // Connecting Stripe checks the key with Stripe, which cannot be reached from here: its stand-in.
  let stripe: StripeStandIn;
  let accountAId = '';
  let callers: Record<Role, Api>;
  let admin: Api;
  let assignedCoachId: string;
  let routes: { method: string; path: string }[];
  const report: string[] = [];
  const emails: Partial<Record<Role, string>> = {};

  beforeAll(async () => {
    stripe = await StripeStandIn.start();
    system = await startInProcess({ STRIPE_API_URL: stripe.url });
    const api = system.api;
    const accountA = await signUp(api);
    accountAId = accountA.accountId;
    const accountB = await signUp(api);
    admin = accountA.admin;
    ownerEmail = accountA.email;
    const assigned = await addCoach(accountA);
    const unassigned = await addCoach(accountA);
    const otherCoach = await addCoach(accountB);
    assignedCoachId = assigned.id;
    // A client of account A with a login of their own.
    const email = uniqueEmail('client');
    const added = await assigned.api.post('/api/v1/clients', newClient({ email, type: 'full_access' }));
    const accepted = await api.post('/api/v1/auth/accept-invitation', { token: await mailToken(api, email), password: PASSWORD });
    expect(accepted.status).toBe(200);
    expect(added.status).toBe(201);
    Object.assign(emails, { client: email, coachOfOtherAccount: otherCoach.email, unassignedCoach: unassigned.email, assignedCoach: assigned.email, admin: accountA.email });
    callers = {
      anonymous: api,
      client: api.as(accepted.body.accessToken),
      coachOfOtherAccount: otherCoach.api,
      unassignedCoach: unassigned.api,
      assignedCoach: assigned.api,
      admin,
    };
    const doc = (await api.get('/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })));
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await stripe?.close();
    if (report.length) process.stdout.write(`${report.join('\n')}\n`);
  });

  it('has a rule for every route the API documents (a new route must say who may call it)', () => {
    const missing = routes.map((r) => `${r.method} ${r.path}`).filter((key) => !RULES[key]);
    expect(missing).toEqual([]);
  });

  it('answers each caller as the rules say, and never with a 5xx', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const { method, path } of routes) {
      const rule = RULES[`${method} ${path}`];
      if (!rule) continue;
      for (const role of ROLES) {
        // Fresh targets for each call: a client assigned to the assigned coach, and a product of account A.
        const client = await callers.assignedCoach.post('/api/v1/clients', newClient({ type: 'full_access', sendInvitation: false }));
        const product = await admin.post('/api/v1/products', { name: 'Target', price: { amount: 500, currency: 'EUR' } });
        const targets: Targets = { clientId: client.body.id, productId: product.body.id, role };
        if (path.startsWith('/api/v1/staff/{id}')) {
          const member = await admin.post('/api/v1/staff', { firstName: 'T', lastName: 'Arget', email: uniqueEmail('target'), password: PASSWORD, role: 'coach' });
          expect(member.status).toBe(201);
          targets.staffId = member.body.id;
        }
        if (path.startsWith('/api/v1/sessions/{id}')) {
          const session = await callers.assignedCoach.post(`/api/v1/clients/${targets.clientId}/sessions`, { start: nextSlot(-1), durationMinutes: 30, price: { amount: 5000, currency: 'EUR' } });
          expect(session.status).toBe(201);
          targets.sessionId = session.body.id;
          // Something to refund.
          if (path.endsWith('/refund')) expect((await admin.post(`/api/v1/sessions/${targets.sessionId}/payment`, {})).status).toBe(200);
        }
        if (path.includes('{programId}')) {
          const program = await admin.post(`/api/v1/clients/${targets.clientId}/programs`, { name: '5 sessions', sessions: 5, price: { amount: 20000, currency: 'EUR' } });
          expect(program.status).toBe(201);
          targets.programId = program.body.id;
          if (path.endsWith('/refund')) expect((await admin.post(`/api/v1/clients/${targets.clientId}/programs/${targets.programId}/payment`, {})).status).toBe(200);
        }
        const url = path
          .replace('{programId}', targets.programId ?? '')
          .replace('{accountId}', accountAId)
          .replace('{id}', path.includes('products') ? targets.productId : (targets.staffId ?? targets.sessionId ?? targets.clientId));
        let body = rule.body?.(targets);
        if (path.endsWith('/coach')) body = { coachId: assignedCoachId };
        const headers: Record<string, string> = path === '/api/v1/checkout' ? { 'idempotency-key': randomUUID() } : {};
        const response = rule.raw
          ? await callers[role].call(method, url, rule.raw.body.replace(/import\.[^,]+@/, `import.${randomUUID().slice(0, 8)}@`), { 'content-type': rule.raw.contentType })
          : await callers[role].call(method, url.replace('{id}', targets.clientId), body, headers);
        checked++;
        const expected = rule.expect[role];
        const cell = `${method} ${path} as ${role}: expected ${expected}, got ${response.status} ${JSON.stringify(response.body)?.slice(0, 160)}`;
        if (response.status >= 500) failures.push(cell);
        else if (expected === 'ok' && (response.status < 200 || response.status >= 300)) failures.push(cell);
        else if (expected === 'public' && (response.status === 401 || response.status === 403)) failures.push(cell);
        else if (typeof expected === 'number' && response.status !== expected) failures.push(cell);
        else if (typeof expected === 'number' && !String(response.headers.get('content-type')).includes('application/problem+json')) failures.push(`${cell} (not problem+json)`);
        else if (response.status < 300) rule.check?.(role, response);
        if (rule.endsSession && response.status < 300 && role !== 'anonymous') {
          // Every token of this caller just ended: sign them in again, with the password they now have.
          if (path === '/api/v1/me/password') passwords[role] = (body as { newPassword: string }).newPassword;
          const token = (await system.api.post('/api/v1/auth/login', { email: emails[role], password: passwords[role] ?? PASSWORD })).body.accessToken;
          callers[role] = system.api.as(token);
          if (role === 'admin') admin = callers.admin;
        }
      }
    }
    report.push(`authorization matrix: ${routes.length} routes x ${ROLES.length} callers = ${checked} calls checked, ${failures.length} unexpected`);
    recordMatrix({ routes: routes.length, roles: ROLES.length, checked, unexpected: failures.length });
    expect(failures).toEqual([]);
  }, 120_000);
});
