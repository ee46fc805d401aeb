import { PASSWORD, addCoach, login, mailToken, newClient, signUp, uniqueEmail } from '../support/http';
import { inProcessForSuite } from '../support/in-process';
import { recordCheck } from '../support/reliability-report';

/**
 * Issue 17, findings 1, 2 and 8: the attacks on sign-in identities, replayed against the whole
 * system. One address signs in to one login, anywhere; an address becomes a sign-in only through
 * a link sent to it; resets act on the login they were issued for; staff tokens can be cut off.
 */
describe('security: sign-in identities and ending access', () => {
  const inProcess = inProcessForSuite();

  const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  const signUpWith = (email: string) =>
    inProcess.api.post('/api/v1/accounts', { businessName: 'Victim Yoga', owner: { firstName: 'Vic', lastName: 'Tim', email, password: 'victim own password' } });
  const mails = async (to: string, kind: string) =>
    ((await inProcess.api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`)).body.items as Array<{ kind: string }>).filter((m) => m.kind === kind);
  /** Waits for the mail of a kind to reach an address, and answers its token. */
  const linkIn = (to: string, kind: string) => mailToken(inProcess.api, to, kind, 15_000);

  it('finding 1: a coach cannot turn an invitation into a sign-in for someone else\'s address, nor take over a later sign-up', async () => {
    const attacker = await signUp(inProcess.api);
    const own = uniqueEmail('attacker');
    const victim = uniqueEmail('victim');
    const added = await attacker.admin.post('/api/v1/clients', newClient({ email: own }));
    expect(added.status).toBe(201);
    const link = await linkIn(own, 'invitation');

    // The attack: change the address to the victim's, then accept the invitation sent to the attacker's.
    expect((await attacker.admin.patch(`/api/v1/clients/${added.body.id}`, { email: victim })).status).toBe(200);
    // The invitation follows the corrected address: the victim gets one, and the old link dies.
    await linkIn(victim, 'invitation');
    const accepted = await inProcess.api.post('/api/v1/auth/accept-invitation', { token: link, password: PASSWORD });
    expect({ status: accepted.status, code: accepted.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    expect((await attacker.admin.patch(`/api/v1/clients/${added.body.id}`, { email: own })).status).toBe(200);

    // The victim signs up later: their address is theirs.
    expect((await signUpWith(victim)).status).toBe(201);
    expect((await attacker.admin.post(`/api/v1/clients/${added.body.id}/password-reset`)).status).toBe(202);
    const victimToken = await login(inProcess.api, victim, 'victim own password');
    expect(claims(victimToken).role).toBe('admin');
    recordCheck({ check: 'sign-in takeover through an invitation (issue 17, finding 1)', result: 'the link sent to one address never signs in another; the victim keeps their account' });
  }, 90_000);

  it('finding 1: a client who signs in and whose coach points them at another address keeps their own login; a reset never hands out someone else\'s', async () => {
    const attacker = await signUp(inProcess.api);
    const own = uniqueEmail('attacker');
    const victim = uniqueEmail('victim');
    const added = await attacker.admin.post('/api/v1/clients', newClient({ email: own }));
    const accepted = await inProcess.api.post('/api/v1/auth/accept-invitation', { token: await linkIn(own, 'invitation'), password: PASSWORD });
    expect(accepted.status).toBe(200);

    // Pointing the client at the victim's address asks the victim to confirm, and warns the client's own address.
    expect((await attacker.admin.patch(`/api/v1/clients/${added.body.id}`, { email: victim })).status).toBe(200);
    await linkIn(victim, 'email_change_confirmation');
    await waitFor(async () => (await mails(own, 'email_change_notice')).length === 1);
    // Until the victim confirms, nothing changed: the victim's address is free and the client signs in as before.
    expect((await signUpWith(victim)).status).toBe(201);
    expect(claims(await login(inProcess.api, own)).role).toBe('client');

    // A reset of the client acts on the client's own login: it signs in as the client, never as the victim's admin.
    expect((await attacker.admin.post(`/api/v1/clients/${added.body.id}/password-reset`)).status).toBe(202);
    const reset = await inProcess.api.post('/api/v1/auth/password-reset/confirm', { token: await linkIn(own, 'password_reset'), password: 'attacker new password' });
    expect(reset.status).toBe(200);
    expect(claims(reset.body.accessToken)).toMatchObject({ role: 'client', sub: added.body.id, acc: attacker.accountId });
    expect(claims(await login(inProcess.api, victim, 'victim own password')).role).toBe('admin');
    expect((await inProcess.api.post('/api/v1/auth/login', { email: victim, password: 'attacker new password' })).status).toBe(401);

    // The confirmation link, used now, finds the address taken: 409, nothing moves.
    const confirm = await inProcess.api.post('/api/v1/auth/confirm-email', { token: await linkIn(victim, 'email_change_confirmation') });
    expect({ status: confirm.status, code: confirm.body.code }).toEqual({ status: 409, code: 'email_taken' });
    expect(claims(await login(inProcess.api, own, 'attacker new password')).role).toBe('client');
  }, 90_000);

  it('finding 2: nobody can sign up, or be added as staff, with the address a client signs in with', async () => {
    const business = await signUp(inProcess.api);
    const address = uniqueEmail('client');
    await business.admin.post('/api/v1/clients', newClient({ email: address }));
    expect((await inProcess.api.post('/api/v1/auth/accept-invitation', { token: await linkIn(address, 'invitation'), password: PASSWORD })).status).toBe(200);

    const squatter = await signUpWith(address.toUpperCase());
    expect({ status: squatter.status, code: squatter.body.code }).toEqual({ status: 409, code: 'email_taken' });
    const other = await signUp(inProcess.api);
    const staff = await other.admin.post('/api/v1/staff', { firstName: 'S', lastName: 'Q', email: address, password: 'squatter password 1', role: 'coach' });
    expect({ status: staff.status, code: staff.body.code }).toEqual({ status: 409, code: 'email_taken' });
    // The client still signs in.
    expect(claims(await login(inProcess.api, address)).role).toBe('client');

    // A second business inviting the same person cannot give the address a second login either.
    await other.admin.post('/api/v1/clients', newClient({ email: address }));
    await waitFor(async () => (await mails(address, 'invitation')).length === 2);
    const second = await inProcess.api.post('/api/v1/auth/accept-invitation', { token: await linkIn(address, 'invitation'), password: 'second password 1' });
    expect({ status: second.status, code: second.body.code }).toEqual({ status: 409, code: 'email_taken' });
    expect(claims(await login(inProcess.api, address)).acc).toBe(business.accountId);
    recordCheck({ check: 'lock-out by a sign-up with a client\'s address (issue 17, finding 2)', result: 'sign-up, staff and a second invitation refused with 409 email_taken; the client still signs in' });
  }, 90_000);

  it('a confirmed new address signs in, the old one stops and is free again; a deleted client frees theirs', async () => {
    const business = await signUp(inProcess.api);
    const first = uniqueEmail('client');
    const second = uniqueEmail('client');
    const added = await business.admin.post('/api/v1/clients', newClient({ email: first }));
    const accepted = await inProcess.api.post('/api/v1/auth/accept-invitation', { token: await linkIn(first, 'invitation'), password: PASSWORD });
    expect(accepted.status).toBe(200);
    await business.admin.patch(`/api/v1/clients/${added.body.id}`, { email: second });
    const token = await linkIn(second, 'email_change_confirmation');
    // Not yet confirmed: the old address signs in, the new one does not.
    expect((await inProcess.api.post('/api/v1/auth/login', { email: first, password: PASSWORD })).status).toBe(200);
    expect((await inProcess.api.post('/api/v1/auth/login', { email: second, password: PASSWORD })).status).toBe(401);

    const confirmed = await inProcess.api.post('/api/v1/auth/confirm-email', { token });
    expect(confirmed).toMatchObject({ status: 200, body: { email: second } });
    expect((await inProcess.api.post('/api/v1/auth/confirm-email', { token })).status).toBe(400);
    expect((await inProcess.api.post('/api/v1/auth/login', { email: first, password: PASSWORD })).status).toBe(401);
    expect(claims(await login(inProcess.api, second)).sub).toBe(added.body.id);
    // The client's existing token still works (moving the address is not a sign-out).
    expect((await inProcess.api.as(accepted.body.accessToken).get('/api/v1/me/profile')).status).toBe(200);
    expect((await signUpWith(first)).status).toBe(201);

    // Deleting the client frees the address they signed in with.
    expect((await business.admin.call('DELETE', `/api/v1/clients/${added.body.id}`)).status).toBe(204);
    await waitFor(async () => (await signUpWith(second)).status === 201);

    const bad = await inProcess.api.post('/api/v1/auth/confirm-email', { token: 'not-a-token' });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    const missing = await inProcess.api.post('/api/v1/auth/confirm-email', {});
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 400, code: 'validation_failed' });
  }, 90_000);

  it('finding 8: a staff member who logs out, changes their password or is removed loses every token on the next request', async () => {
    const business = await signUp(inProcess.api);
    // Log out: this token and the one on another device both die; a new sign-in works.
    const otherDevice = await login(inProcess.api, business.email);
    expect((await business.admin.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await business.admin.get('/api/v1/clients')).status).toBe(401);
    expect((await inProcess.api.as(otherDevice).get('/api/v1/clients')).status).toBe(401);
    const admin = inProcess.api.as(await login(inProcess.api, business.email));
    expect((await admin.get('/api/v1/clients')).status).toBe(200);

    // Password change: the current one is required; the answer's token works, older ones do not.
    const coach = await addCoach({ ...business, admin });
    const wrong = await coach.api.post('/api/v1/me/password', { currentPassword: 'not the password', newPassword: 'a brand new secret' });
    expect({ status: wrong.status, code: wrong.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    const weak = await coach.api.post('/api/v1/me/password', { currentPassword: PASSWORD, newPassword: 'short' });
    expect({ status: weak.status, code: weak.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    const changed = await coach.api.post('/api/v1/me/password', { currentPassword: PASSWORD, newPassword: 'a brand new secret' });
    expect(changed.status).toBe(200);
    expect((await coach.api.get('/api/v1/clients')).status).toBe(401);
    const coachApi = inProcess.api.as(changed.body.accessToken);
    expect((await coachApi.get('/api/v1/clients')).status).toBe(200);
    expect((await inProcess.api.post('/api/v1/auth/login', { email: coach.email, password: PASSWORD })).status).toBe(401);
    expect((await inProcess.api.post('/api/v1/auth/login', { email: coach.email, password: 'a brand new secret' })).status).toBe(200);

    // Removal: 404 for another business's member, 409 for the owner and for a coach who still has clients.
    const stranger = await signUp(inProcess.api);
    expect((await stranger.admin.call('DELETE', `/api/v1/staff/${coach.id}`)).status).toBe(404);
    const owner = await admin.call<any>('DELETE', `/api/v1/staff/${business.ownerId}`);
    expect({ status: owner.status, code: owner.body.code }).toEqual({ status: 409, code: 'owner_not_removable' });
    const client = await coachApi.post('/api/v1/clients', newClient({ type: 'offline' }));
    const busy = await admin.call<any>('DELETE', `/api/v1/staff/${coach.id}`);
    expect({ status: busy.status, code: busy.body.code }).toEqual({ status: 409, code: 'staff_has_clients' });
    expect((await coachApi.call('DELETE', `/api/v1/staff/${coach.id}`)).status).toBe(403);
    expect((await admin.call('DELETE', `/api/v1/clients/${client.body.id}`)).status).toBe(204);
    expect((await admin.call('DELETE', `/api/v1/staff/${coach.id}`)).status).toBe(204);
    expect((await coachApi.get('/api/v1/clients')).status).toBe(401);
    expect((await inProcess.api.post('/api/v1/auth/login', { email: coach.email, password: 'a brand new secret' })).status).toBe(401);
    expect((await admin.get('/api/v1/staff')).body.items.map((m: { id: string }) => m.id)).not.toContain(coach.id);
    // Their address is free again.
    const again = await admin.post('/api/v1/staff', { firstName: 'C', lastName: 'Again', email: coach.email, password: 'another good secret', role: 'coach' });
    expect(again.status).toBe(201);
    expect((await admin.call('DELETE', `/api/v1/staff/${coach.id}`)).status).toBe(404);

    // An Idempotency-Key that added a member who was removed since: a 409, not a second member nor a 500.
    const keyed = { firstName: 'K', lastName: 'Eyed', email: uniqueEmail('keyed'), password: 'another good secret', role: 'coach' };
    const first = await admin.post('/api/v1/staff', keyed, { 'idempotency-key': 'staff-key-1' });
    expect(first.status).toBe(201);
    expect((await admin.call('DELETE', `/api/v1/staff/${first.body.id}`)).status).toBe(204);
    const replay = await admin.post('/api/v1/staff', keyed, { 'idempotency-key': 'staff-key-1' });
    expect({ status: replay.status, code: replay.body.code }).toEqual({ status: 409, code: 'idempotency_key_reused' });

    // A client token can log out too.
    const address = uniqueEmail('client');
    await admin.post('/api/v1/clients', newClient({ email: address }));
    const signedIn = await inProcess.api.post('/api/v1/auth/accept-invitation', { token: await linkIn(address, 'invitation'), password: PASSWORD });
    const me = inProcess.api.as(signedIn.body.accessToken);
    expect((await me.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await me.get('/api/v1/me/profile')).status).toBe(401);
    expect((await inProcess.api.post('/api/v1/auth/logout')).status).toBe(401);
    recordCheck({ check: 'staff tokens cut off (issue 17, finding 8)', result: 'logout, password change and removal end every token on the next request' });
  }, 120_000);
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
