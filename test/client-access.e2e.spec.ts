import { BOTH_MODES, deployedForSuite } from './support/deployments';
import { Api, PASSWORD, newClient, signUp, uniqueEmail } from './support/http';
import { eventually } from './support/eventually';

/**
 * Client app access and e-mail (issue 5), end to end through the gateway as a client would use
 * it, in one process and as separate processes over NATS.
 */
const NEW_PASSWORD = 'a brand new password';

async function mailbox(api: Api, to: string): Promise<Array<{ kind: string; subject: string; text: string; html: string }>> {
  return (await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`)).body.items;
}

async function waitForMail(api: Api, to: string, kind: string, count = 1, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = (await mailbox(api, to)).filter((m) => m.kind === kind);
    if (items.length >= count) return items[0];
    if (Date.now() > deadline) throw new Error(`no ${kind} mail for ${to} within ${timeoutMs} ms: ${JSON.stringify(await mailbox(api, to))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tokenOf = (mail: { text: string }) => /token=([A-Za-z0-9._-]+)/.exec(mail.text)![1];

describe.each(BOTH_MODES)('client app access %s', (_mode, deploy) => {
  const deployed = deployedForSuite(deploy);

  it('invites, accepts once, signs in, edits the own profile; offline ends access at once; back to one-way restores it', async () => {
    const business = await signUp(deployed.api);
    const body = newClient({ type: 'full_access', firstName: 'Iris' });
    const client = (await business.admin.post('/api/v1/clients', body)).body;

    const invitation = await waitForMail(deployed.api, body.email, 'invitation');
    expect(invitation.subject).toContain('Stone Fitness');
    expect(invitation.text).toContain('Hi Iris');
    expect(invitation.html).toContain('/accept-invitation?token=');

    const accepted = await deployed.api.post('/api/v1/auth/accept-invitation', { token: tokenOf(invitation), password: PASSWORD });
    expect(accepted.status).toBe(200);
    expect(accepted.body.user).toMatchObject({ id: client.id, role: 'client', accountId: business.accountId });
    expect((await deployed.api.post('/api/v1/auth/accept-invitation', { token: tokenOf(invitation), password: PASSWORD })).body.code).toBe('validation_failed');

    const me = deployed.api.as(accepted.body.accessToken);
    expect((await me.get('/api/v1/me/profile')).body).toMatchObject({ id: client.id, firstName: 'Iris', email: body.email, type: 'full_access' });
    expect((await me.patch('/api/v1/me/profile', { phone: '+44 20 1111 2222' })).body.phone).toBe('+44 20 1111 2222');
    const history = (await business.admin.get(`/api/v1/clients/${client.id}/history`)).body.items;
    expect(history.at(-1)).toMatchObject({ type: 'ClientContactChanged', actor: { id: client.id, role: 'client' } });
    expect((await me.get('/api/v1/clients')).status).toBe(403);

    // The roster learns the client has a working login.
    const learned = await eventually(() => business.admin.get(`/api/v1/clients/${client.id}`), (r) => r.body.appAccess === 'active', { timeoutMs: 20_000 });
    expect(learned.body.appAccess).toBe('active');

    await business.admin.put(`/api/v1/clients/${client.id}/type`, { type: 'offline' });
    expect((await me.get('/api/v1/me/profile')).status).toBe(401);
    expect((await deployed.api.post('/api/v1/auth/login', { email: body.email, password: PASSWORD })).status).toBe(401);

    await business.admin.put(`/api/v1/clients/${client.id}/type`, { type: 'full_access_one_way' });
    const restored = await waitForMail(deployed.api, body.email, 'access_restored');
    expect(restored.text + restored.html).not.toContain(PASSWORD);
    // The mail and the login's read model follow the same event on their own paths: either may come
    // first. Each refused try counts against the sign-in throttle, so the tries are a second apart.
    const again = await eventually(() => deployed.api.post('/api/v1/auth/login', { email: body.email, password: PASSWORD }), (r) => r.status === 200, { timeoutMs: 20_000, intervalMs: 1000 });
    expect(again.status).toBe(200);
    expect((await deployed.api.as(again.body.accessToken).get('/api/v1/me/profile')).body.type).toBe('full_access_one_way');
    expect((await me.get('/api/v1/me/profile')).status).toBe(401);
  }, 60_000);

  it('sends nothing to an offline client or one added without e-mail', async () => {
    const business = await signUp(deployed.api);
    const offline = newClient({ type: 'offline' });
    const quiet = newClient({ type: 'full_access', sendInvitation: false });
    const control = newClient({ type: 'full_access_one_way' });
    for (const body of [offline, quiet, control]) await business.admin.post('/api/v1/clients', body);
    await waitForMail(deployed.api, control.email, 'invitation');
    expect(await mailbox(deployed.api, offline.email)).toEqual([]);
    expect(await mailbox(deployed.api, quiet.email)).toEqual([]);
  }, 30_000);

  it('answers 202 to a reset request for an unknown address and sends nothing; a reset link works once', async () => {
    const stranger = uniqueEmail('stranger');
    expect((await deployed.api.post('/api/v1/auth/password-reset/request', { email: stranger })).status).toBe(202);

    const business = await signUp(deployed.api);
    const body = newClient({ type: 'full_access' });
    await business.admin.post('/api/v1/clients', body);
    await deployed.api.post('/api/v1/auth/accept-invitation', { token: tokenOf(await waitForMail(deployed.api, body.email, 'invitation')), password: PASSWORD });

    expect((await deployed.api.post('/api/v1/auth/password-reset/request', { email: body.email.toUpperCase() })).status).toBe(202);
    const reset = await waitForMail(deployed.api, body.email, 'password_reset');
    expect(reset.text + reset.html).not.toContain(PASSWORD);
    expect(reset.text).toContain('/reset-password?token=');
    const confirmed = await deployed.api.post('/api/v1/auth/password-reset/confirm', { token: tokenOf(reset), password: NEW_PASSWORD });
    expect(confirmed.status).toBe(200);
    expect((await deployed.api.post('/api/v1/auth/password-reset/confirm', { token: tokenOf(reset), password: NEW_PASSWORD })).body.code).toBe('validation_failed');
    expect((await deployed.api.post('/api/v1/auth/login', { email: body.email, password: PASSWORD })).status).toBe(401);
    expect((await deployed.api.post('/api/v1/auth/login', { email: body.email, password: NEW_PASSWORD })).status).toBe(200);
    expect(await mailbox(deployed.api, stranger)).toEqual([]);
  }, 30_000);

  it('resends login details on a coach request, and ends the login when the client is deleted', async () => {
    const business = await signUp(deployed.api);
    const body = newClient({ type: 'full_access' });
    const client = (await business.admin.post('/api/v1/clients', body)).body;
    await deployed.api.post('/api/v1/auth/accept-invitation', { token: tokenOf(await waitForMail(deployed.api, body.email, 'invitation')), password: PASSWORD });
    for (let i = 0; i < 50 && (await business.admin.get(`/api/v1/clients/${client.id}`)).body.appAccess !== 'active'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await business.admin.post(`/api/v1/clients/${client.id}/login-details`)).status).toBe(202);
    const details = await waitForMail(deployed.api, body.email, 'login_details');
    expect(details.text).toContain('/login');
    expect(details.text).not.toContain('token=');

    await business.admin.call('DELETE', `/api/v1/clients/${client.id}`);
    expect((await deployed.api.post('/api/v1/auth/login', { email: body.email, password: PASSWORD })).status).toBe(401);
  }, 30_000);
});
