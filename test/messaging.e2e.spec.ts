import Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BOTH_MODES, deployedForSuite, Deployment } from './support/deployments';
import { eventually } from './support/eventually';
import { Business, PASSWORD, newClient, signUp } from './support/http';

/** Messaging under the client-type policy (issue 7), end to end, in both modes. */
const until = <T>(probe: () => Promise<T>, accept: (value: T) => boolean) => eventually(probe, accept, { timeoutMs: 10_000, intervalMs: 50 });

describe.each(BOTH_MODES)('messaging %s', (_mode, deploy) => {
  const deployed = deployedForSuite(deploy);

  /** A client who accepted their invitation, with their own API handle. */
  async function clientWithLogin(business: Business, type: string) {
    const body = newClient({ type: 'full_access', firstName: 'Mo' });
    const client = (await business.admin.post('/api/v1/clients', body)).body;
    const mail = await until(
      async () => (await deployed.api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(body.email)}`)).body.items as Array<{ text: string }>,
      (items) => items.length > 0,
    );
    const token = /token=([A-Za-z0-9._-]+)/.exec(mail[0].text)![1];
    await deployed.api.post('/api/v1/auth/accept-invitation', { token, password: PASSWORD });
    if (type !== 'full_access') await business.admin.put(`/api/v1/clients/${client.id}/type`, { type });
    const login = await deployed.api.post('/api/v1/auth/login', { email: body.email, password: PASSWORD });
    return { id: client.id as string, email: body.email, me: deployed.api.as(login.body.accessToken) };
  }

  it('lets coach and full-access client write both ways, keeps bodies as given, and counts on the profile', async () => {
    const business = await signUp(deployed.api);
    const client = await clientWithLogin(business, 'full_access');
    const sent = await business.admin.post(`/api/v1/clients/${client.id}/messages`, { body: 'Squats <b>today</b> & stretch' });
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({ id: expect.any(String), from: 'coach', body: 'Squats <b>today</b> & stretch', sentAt: expect.any(String) });
    const reply = await client.me.post('/api/v1/me/messages', { body: 'Done!' });
    expect(reply.status).toBe(201);
    expect(reply.body.from).toBe('client');
    const thread = (await business.admin.get(`/api/v1/clients/${client.id}/messages`)).body.items;
    expect(thread.map((m: { from: string; body: string }) => [m.from, m.body])).toEqual([
      ['coach', 'Squats <b>today</b> & stretch'],
      ['client', 'Done!'],
    ]);
    expect((await client.me.get('/api/v1/me/messages')).body.items).toEqual(thread);
    const profile = await until(() => business.admin.get(`/api/v1/clients/${client.id}`), (r) => r.body.kpis.messagesFromClient === 1);
    expect(profile.body.kpis).toMatchObject({ messagesFromCoach: 1, messagesFromClient: 1, lastMessageAt: reply.body.sentAt });
    expect(profile.body.lastActivityAt).toBe(reply.body.sentAt);
    expect((await business.admin.post(`/api/v1/clients/${client.id}/messages`, { body: '' })).status).toBe(400);
  }, 60_000);

  it('refuses replies under one-way messaging and messages to offline clients (403 messaging_not_allowed)', async () => {
    const business = await signUp(deployed.api);
    const oneWay = await clientWithLogin(business, 'full_access_one_way');
    expect((await business.admin.post(`/api/v1/clients/${oneWay.id}/messages`, { body: 'Hi' })).status).toBe(201);
    const refused = await oneWay.me.post('/api/v1/me/messages', { body: 'Can I answer?' });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'messaging_not_allowed' });
    const offline = (await business.admin.post('/api/v1/clients', newClient({ type: 'offline' }))).body;
    const toOffline = await business.admin.post(`/api/v1/clients/${offline.id}/messages`, { body: 'Hi' });
    expect({ status: toOffline.status, code: toOffline.body.code }).toEqual({ status: 403, code: 'messaging_not_allowed' });
    expect((await (await signUp(deployed.api)).admin.get(`/api/v1/clients/${oneWay.id}/messages`)).status).toBe(404);
  }, 60_000);

  it('accepts no reply sent after the switch to one-way was answered', async () => {
    const business = await signUp(deployed.api);
    const client = await clientWithLogin(business, 'full_access');
    const replies: Array<{ startedAt: number; status: number }> = [];
    let running = true;
    const replying = (async () => {
      while (running) {
        const startedAt = Date.now();
        const answer = await client.me.post('/api/v1/me/messages', { body: `reply at ${startedAt}` });
        replies.push({ startedAt, status: answer.status });
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    expect((await business.admin.put(`/api/v1/clients/${client.id}/type`, { type: 'full_access_one_way' })).status).toBe(200);
    const answeredAt = Date.now();
    await new Promise((r) => setTimeout(r, 400));
    running = false;
    await replying;
    const after = replies.filter((r) => r.startedAt > answeredAt);
    expect(replies.filter((r) => r.startedAt < answeredAt - 100).some((r) => r.status === 201)).toBe(true);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((r) => r.status === 403)).toBe(true);
  }, 60_000);

  it('applies a bulk type change to messaging before it answers: the very next reply is refused', async () => {
    const business = await signUp(deployed.api);
    const client = await clientWithLogin(business, 'full_access');
    expect((await client.me.post('/api/v1/me/messages', { body: 'Before' })).status).toBe(201);
    const bulk = await business.admin.post('/api/v1/clients/bulk/type', { clientIds: [client.id], type: 'full_access_one_way' });
    expect(bulk.body.results).toEqual([{ clientId: client.id, outcome: 'changed' }]);
    const reply = await client.me.post('/api/v1/me/messages', { body: 'Right after' });
    expect({ status: reply.status, code: reply.body.code }).toEqual({ status: 403, code: 'messaging_not_allowed' });
  }, 60_000);

  it('mails the client about a coach message, at most once per thread per 15 minutes', async () => {
    const business = await signUp(deployed.api);
    const client = await clientWithLogin(business, 'full_access');
    await business.admin.post(`/api/v1/clients/${client.id}/messages`, { body: 'One' });
    await business.admin.post(`/api/v1/clients/${client.id}/messages`, { body: 'Two' });
    const mails = async () => ((await deployed.api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(client.email)}`)).body.items as Array<{ kind: string; text: string }>).filter((m) => m.kind === 'new_message');
    const first = await until(mails, (items) => items.length > 0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await mails()).toHaveLength(1);
    expect(first[0].text).not.toContain('One');
  }, 60_000);

  it('closes the thread of a deleted client; bodies never sit readable in the event store', async () => {
    const business = await signUp(deployed.api);
    const client = await clientWithLogin(business, 'full_access');
    await business.admin.post(`/api/v1/clients/${client.id}/messages`, { body: 'Very private training detail 7777' });
    await business.admin.call('DELETE', `/api/v1/clients/${client.id}`);
    await until(() => business.admin.get(`/api/v1/clients/${client.id}/messages`), (r) => r.status === 404);
    expect((await business.admin.get(`/api/v1/clients/${client.id}/messages`)).status).toBe(404);
    for (const file of eventStores(deployed.deployment)) {
      const db = new Database(file, { readonly: true });
      try {
        const rows = db.prepare('SELECT data FROM events').all() as Array<{ data: string }>;
        for (const row of rows) expect(row.data).not.toContain('Very private training detail');
      } finally {
        db.close();
      }
    }
  }, 60_000);
});

function eventStores(deployment: Deployment): string[] {
  const root = (deployment as unknown as { dataRoot?: string }).dataRoot;
  if (!root) return [];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name === 'events.sqlite') files.push(join(dir, entry.name));
    }
  };
  walk(root);
  return files;
}
