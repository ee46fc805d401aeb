import { Api, PASSWORD, addCoach, login, mailToken, newClient, signUp, uniqueEmail } from './support/http';
import { inProcessForSuite } from './support/in-process';
import { eventually } from './support/eventually';

/**
 * Issue 21, items 6 and 7 over HTTP: changing a staff member's role and capabilities, staff
 * password resets (sent by an admin, or asked for at the sign-in page), and the account settings
 * (business name and seat limit). Every route and every error code it answers.
 */
const inProcess = inProcessForSuite();

const expectProblem = (response: { status: number; headers: Headers; body: any }, status: number, code: string) => {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.detail).toEqual(expect.any(String));
};

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

describe('PATCH /api/v1/staff/:id', () => {
  it("200 changes a coach's capabilities; their old token stops working and their next sign-in carries the new ones", async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business);

    const changed = await business.admin.patch(`/api/v1/staff/${coach.id}`, { capabilities: ['create_clients', 'import_clients'] });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: coach.id, role: 'coach', capabilities: ['create_clients', 'import_clients'] });
    expectProblem(await coach.api.get('/api/v1/clients'), 401, 'unauthorized');
    expect(claimsOf(await login(inProcess.api, coach.email))).toMatchObject({ role: 'coach', caps: ['create_clients', 'import_clients'] });
    const listed = await business.admin.get('/api/v1/staff');
    expect(listed.body.items.find((m: { id: string }) => m.id === coach.id)).toMatchObject({ capabilities: ['create_clients', 'import_clients'] });
  });

  it('200 makes a coach an admin (every capability), and back', async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business);

    const promoted = await business.admin.patch(`/api/v1/staff/${coach.id}`, { role: 'admin' });
    expect(promoted.body).toMatchObject({ role: 'admin', capabilities: ['create_clients', 'delete_clients', 'manage_products', 'import_clients'] });
    const demoted = await business.admin.patch(`/api/v1/staff/${coach.id}`, { role: 'coach', capabilities: ['manage_products'] });
    expect(demoted.body).toMatchObject({ role: 'coach', capabilities: ['manage_products'] });
  });

  it("409 owner_role_fixed for the owner's role; 409 own_role_fixed for the caller's own role", async () => {
    const business = await signUp(inProcess.api);
    const second = await business.admin.post('/api/v1/staff', { firstName: 'Sam', lastName: 'Second', email: uniqueEmail('admin'), password: PASSWORD, role: 'admin' });
    const secondAdmin = business.admin.as(await login(inProcess.api, second.body.email));

    expectProblem(await secondAdmin.patch(`/api/v1/staff/${business.ownerId}`, { role: 'coach' }), 409, 'owner_role_fixed');
    expectProblem(await secondAdmin.patch(`/api/v1/staff/${second.body.id}`, { role: 'coach' }), 409, 'own_role_fixed');
    expect((await business.admin.get('/api/v1/staff')).body.items.filter((m: { role: string }) => m.role === 'admin')).toHaveLength(2);
  });

  it('400 validation_failed for an unknown capability or role; 404 for another business’s member or nobody; 403 for a coach; 401 without a token', async () => {
    const business = await signUp(inProcess.api);
    const other = await signUp(inProcess.api);
    const coach = await addCoach(business);

    const unknown = await business.admin.patch(`/api/v1/staff/${coach.id}`, { capabilities: ['fly'] });
    expectProblem(unknown, 400, 'validation_failed');
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'capabilities' })]);
    expectProblem(await business.admin.patch(`/api/v1/staff/${coach.id}`, { role: 'owner' }), 400, 'validation_failed');
    expectProblem(await other.admin.patch(`/api/v1/staff/${coach.id}`, { role: 'admin' }), 404, 'not_found');
    expectProblem(await business.admin.patch('/api/v1/staff/nobody', { role: 'admin' }), 404, 'not_found');
    expectProblem(await coach.api.patch(`/api/v1/staff/${coach.id}`, { capabilities: ['delete_clients'] }), 403, 'forbidden');
    expectProblem(await inProcess.api.patch(`/api/v1/staff/${coach.id}`, { role: 'admin' }), 401, 'unauthorized');
  });
});

describe('staff password resets', () => {
  it('POST /api/v1/staff/:id/password-reset: 202, the member gets a single-use link; it sets the password and signs them in; used again: 400', async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business);

    const sent = await business.admin.post(`/api/v1/staff/${coach.id}/password-reset`);
    expect(sent.status).toBe(202);
    const token = await mailToken(inProcess.api, coach.email, 'password_reset', 15_000);
    const mails = await inProcess.api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(coach.email)}`);
    expect(mails.body.items[0]).toMatchObject({ kind: 'password_reset', subject: 'Reset your password for Stone Fitness' });
    expect(mails.body.items[0].text).toContain('/reset-password?token=');

    const reset = await inProcess.api.post('/api/v1/auth/password-reset/confirm', { token, password: 'a brand new password' });
    expect(reset.status).toBe(200);
    expect(reset.body.user).toMatchObject({ id: coach.id, role: 'coach' });
    expect(await login(inProcess.api, coach.email, 'a brand new password')).toEqual(expect.any(String));
    expect((await inProcess.api.post('/api/v1/auth/login', { email: coach.email, password: PASSWORD })).status).toBe(401);
    // The tokens from before the reset stop working.
    expectProblem(await coach.api.get('/api/v1/clients'), 401, 'unauthorized');
    const again = await inProcess.api.post('/api/v1/auth/password-reset/confirm', { token, password: 'yet another password' });
    expectProblem(again, 400, 'validation_failed');
    expect(again.body.detail).toMatch(/not valid any more/);
  });

  it('404 for another business’s member or nobody; 403 for a coach; 401 without a token', async () => {
    const business = await signUp(inProcess.api);
    const other = await signUp(inProcess.api);
    const coach = await addCoach(business);

    expectProblem(await other.admin.post(`/api/v1/staff/${coach.id}/password-reset`), 404, 'not_found');
    expectProblem(await business.admin.post('/api/v1/staff/nobody/password-reset'), 404, 'not_found');
    expectProblem(await coach.api.post(`/api/v1/staff/${coach.id}/password-reset`), 403, 'forbidden');
    expectProblem(await inProcess.api.post(`/api/v1/staff/${coach.id}/password-reset`), 401, 'unauthorized');
  });

  it('"Forgot password" covers staff: 202 for a staff address and an unknown one alike; the staff member gets a link that works', async () => {
    const business = await signUp(inProcess.api);

    const asked = await inProcess.api.post('/api/v1/auth/password-reset/request', { email: business.email.toUpperCase() });
    const unknown = await inProcess.api.post('/api/v1/auth/password-reset/request', { email: uniqueEmail('nobody') });
    expect([asked.status, unknown.status]).toEqual([202, 202]);
    expect(asked.body).toEqual(unknown.body);
    const token = await mailToken(inProcess.api, business.email, 'password_reset', 15_000);
    const reset = await inProcess.api.post('/api/v1/auth/password-reset/confirm', { token, password: 'the owner’s new password' });
    expect(reset.status).toBe(200);
    expect(reset.body.user).toMatchObject({ id: business.ownerId, role: 'admin' });
  });
});

describe('account settings', () => {
  it('GET /api/v1/account: 200 the business for its staff; 401 without a token', async () => {
    const business = await signUp(inProcess.api, 5);
    const coach = await addCoach(business);

    expect((await business.admin.get('/api/v1/account')).body).toMatchObject({ id: business.accountId, businessName: 'Stone Fitness', seatLimit: 5 });
    expect((await coach.api.get('/api/v1/account')).body).toMatchObject({ id: business.accountId, businessName: 'Stone Fitness' });
    expectProblem(await inProcess.api.get('/api/v1/account'), 401, 'unauthorized');
  });

  it('PATCH /api/v1/account renames the business (alone or with the seat limit); the seat limit alone still works', async () => {
    const business = await signUp(inProcess.api, 5);

    const renamed = await business.admin.patch('/api/v1/account', { businessName: ' Stone & Co ' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ businessName: 'Stone & Co', seatLimit: 5 });
    expect((await business.admin.patch('/api/v1/account', { seatLimit: 8 })).body).toMatchObject({ businessName: 'Stone & Co', seatLimit: 8 });
    expect((await business.admin.patch('/api/v1/account', { businessName: 'Stone Studio', seatLimit: null })).body).toMatchObject({ businessName: 'Stone Studio', seatLimit: null });
    // The roster learns the limit from identity's integration event, a moment after the answer.
    const seats = await eventually(() => business.admin.get('/api/v1/account/seats'), (r) => r.body.limit === null);
    expect(seats.body).toMatchObject({ limit: null });
  });

  it('the new name shows in the mails and on the checkout page afterwards', async () => {
    const business = await signUp(inProcess.api);
    await business.admin.patch('/api/v1/account', { businessName: 'Maya Moves' });

    const email = uniqueEmail('client');
    expect((await business.admin.post('/api/v1/clients', newClient({ email, type: 'full_access' }))).status).toBe(201);
    await mailToken(inProcess.api, email, 'invitation', 15_000);
    const mails = await inProcess.api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`);
    expect(mails.body.items[0].subject).toBe('Maya Moves invited you to the client app');
    const product = await business.admin.post('/api/v1/products', { name: 'Plan', price: { amount: 1000, currency: 'EUR' } });
    expect((await inProcess.api.get(`/api/v1/checkout/products/${product.body.id}`)).body).toMatchObject({ businessName: 'Maya Moves' });
  });

  it('400 validation_failed for an empty or overlong name, a bad seat limit, or nothing to change; nothing changes', async () => {
    const business = await signUp(inProcess.api, 5);

    const empty = await business.admin.patch('/api/v1/account', { businessName: '' });
    expectProblem(empty, 400, 'validation_failed');
    expect(empty.body.errors).toEqual([expect.objectContaining({ field: 'businessName' })]);
    expectProblem(await business.admin.patch('/api/v1/account', { businessName: '   ' }), 400, 'validation_failed');
    expectProblem(await business.admin.patch('/api/v1/account', { businessName: 'x'.repeat(201) }), 400, 'validation_failed');
    expectProblem(await business.admin.patch('/api/v1/account', { businessName: 'Fine', seatLimit: -1 }), 400, 'validation_failed');
    expectProblem(await business.admin.patch('/api/v1/account', {}), 400, 'validation_failed');
    expect((await business.admin.get('/api/v1/account')).body).toMatchObject({ businessName: 'Stone Fitness', seatLimit: 5 });
  });

  it('409 seat_limit_reached points at Settings, where the limit is raised', async () => {
    const business = await signUp(inProcess.api, 0);

    const refused = await business.admin.post('/api/v1/clients', newClient({ type: 'offline' }));
    expectProblem(refused, 409, 'seat_limit_reached');
    expect(refused.body.detail).toBe('This account has no client seats: raise the seat limit in Settings (an administrator can).');
  });

  it('403 for a coach; 401 without a token', async () => {
    const business = await signUp(inProcess.api);
    const coach = await addCoach(business);

    expectProblem(await coach.api.patch('/api/v1/account', { businessName: 'Mine now' }), 403, 'forbidden');
    expectProblem(await new Api(inProcess.api.baseUrl).patch('/api/v1/account', { businessName: 'Mine now' }), 401, 'unauthorized');
  });
});
