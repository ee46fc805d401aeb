import { randomUUID } from 'node:crypto';
import { deployedForSuite } from './support/deployments';
import { eventually } from './support/eventually';
import { EVERY_MODE } from './support/replicas';
import { Api, Business, newClient, signUp, uniqueEmail } from './support/http';

/** Products and checkout (issue 6), end to end, in one process and as separate processes over NATS. */

const mails = async (api: Api, to: string) => (await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`)).body.items as Array<{ kind: string }>;

describe.each(EVERY_MODE)('products and checkout %s', (_mode, deploy) => {
  const deployed = deployedForSuite(deploy, 240_000);

  async function product(business: Business, body: Record<string, unknown> = {}) {
    const created = await business.admin.post('/api/v1/products', { name: '12-week strength', price: { amount: 4900, currency: 'EUR' }, ...body });
    expect(created.status).toBe(201);
    return created.body as { id: string; clientType: string };
  }

  const checkout = (productId: string, buyer: Record<string, unknown>, key: string = randomUUID()) =>
    deployed.api.post('/api/v1/checkout', { productId, buyer: { firstName: 'Bea', lastName: 'Buyer', ...buyer } }, { 'idempotency-key': key });

  async function clientByEmail(business: Business, email: string) {
    return eventually(
      async () => (await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`)).body.items[0],
      (client) => client !== undefined,
    );
  }

  it('manages products: create (full_access_one_way by default), list, update, archive; archived cannot be bought', async () => {
    const business = await signUp(deployed.api);
    const created = await product(business);
    expect(created).toMatchObject({ name: '12-week strength', price: { amount: 4900, currency: 'EUR' }, clientType: 'full_access_one_way', archived: false });
    expect((await business.admin.get('/api/v1/products')).body.total).toBe(1);
    expect((await business.admin.patch(`/api/v1/products/${created.id}`, { clientType: 'full_access' })).body.clientType).toBe('full_access');
    expect((await business.admin.post(`/api/v1/products/${created.id}/archive`)).body.archived).toBe(true);
    expect((await checkout(created.id, { email: uniqueEmail() })).body.code).toBe('product_archived');
    expect((await (await signUp(deployed.api)).admin.get(`/api/v1/products/${created.id}`)).status).toBe(404);
    expect((await business.admin.post('/api/v1/products', { name: 'x', price: { amount: 1.5, currency: 'EUR' } })).status).toBe(400);
  });

  it('shows the public checkout page what it needs of a product, without a token, and 404 for an unknown one', async () => {
    const business = await signUp(deployed.api);
    const created = await product(business);
    const shown = await deployed.api.get(`/api/v1/checkout/products/${created.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({ id: created.id, name: '12-week strength', price: { amount: 4900, currency: 'EUR' }, clientType: 'full_access_one_way', sessionPack: null, archived: false, businessName: 'Stone Fitness' });
    await business.admin.post(`/api/v1/products/${created.id}/archive`);
    expect((await deployed.api.get(`/api/v1/checkout/products/${created.id}`)).body.archived).toBe(true);
    const unknown = await deployed.api.get(`/api/v1/checkout/products/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(unknown.body.code).toBe('not_found');
  });

  it('enrols a buyer as full_access_one_way from the product, with exactly one invitation, and shows the purchase', async () => {
    const business = await signUp(deployed.api);
    const { id } = await product(business);
    const email = uniqueEmail('buyer');
    const bought = await checkout(id, { email });
    expect(bought.status).toBe(201);
    // The answer does not wait for the enrolment (it may already be decided); the page asks the status route.
    expect(bought.body).toEqual({ purchaseId: expect.any(String), productId: id, status: 'completed', enrolment: expect.stringMatching(/^(enrolled|in_progress)$/) });
    const status = await eventually(() => deployed.api.get(`/api/v1/checkout/purchases/${bought.body.purchaseId}`), (r) => r.body.enrolment !== 'in_progress');
    expect(status.body).toMatchObject({ purchaseId: bought.body.purchaseId, enrolment: 'enrolled' });
    const client = await clientByEmail(business, email);
    expect(client).toMatchObject({ type: 'full_access_one_way', status: 'active', email });
    const profile = (await eventually(() => business.admin.get(`/api/v1/clients/${client.id}`), (r) => r.body.kpis.purchases === 1)).body;
    expect(profile).toMatchObject({ source: { kind: 'product', productId: id }, kpis: { purchases: 1, totalSpent: { amount: 4900, currency: 'EUR' } } });
    expect((await business.admin.get(`/api/v1/clients/${client.id}/purchases`)).body.items).toEqual([
      { purchaseId: bought.body.purchaseId, productId: id, amount: { amount: 4900, currency: 'EUR' }, purchasedAt: expect.any(String) },
    ]);
    await eventually(() => mails(deployed.api, email), (items) => items.length > 0);
    await new Promise((r) => setTimeout(r, 300));
    expect((await mails(deployed.api, email)).map((m) => m.kind)).toEqual(['invitation']);
  });

  it('replays the same checkout 5 times concurrently: one purchase, one client, one mail', async () => {
    const business = await signUp(deployed.api);
    const { id } = await product(business);
    const email = uniqueEmail('eager');
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 5 }, () => checkout(id, { email }, key)));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([201]));
    expect(new Set(answers.map((a) => a.body.purchaseId)).size).toBe(1);
    const client = await clientByEmail(business, email);
    await eventually(() => mails(deployed.api, email), (items) => items.length > 0);
    await new Promise((r) => setTimeout(r, 500));
    expect((await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`)).body.total).toBe(1);
    // The purchase is recorded on the profile just after the enrolment, on its own path from the invitation.
    expect((await eventually(() => business.admin.get(`/api/v1/clients/${client.id}/purchases`), (r) => r.body.items?.length >= 1)).body.items).toHaveLength(1);
    expect(await mails(deployed.api, email)).toHaveLength(1);
    expect((await checkout(id, { email: uniqueEmail() }, key)).body.code).toBe('idempotency_key_reused');
  });

  it('raises an existing offline client to the product type; a full-access client keeps theirs', async () => {
    const business = await signUp(deployed.api);
    const { id } = await product(business);
    const offline = newClient({ type: 'offline' });
    const full = newClient({ type: 'full_access' });
    const offlineClient = (await business.admin.post('/api/v1/clients', offline)).body;
    const fullClient = (await business.admin.post('/api/v1/clients', full)).body;
    await checkout(id, { email: offline.email.toUpperCase() });
    await checkout(id, { email: full.email });
    const raised = await eventually(() => business.admin.get(`/api/v1/clients/${offlineClient.id}`), (r) => r.body.type !== 'offline');
    expect(raised.body).toMatchObject({ type: 'full_access_one_way', source: { kind: 'manual' } });
    const kept = await eventually(() => business.admin.get(`/api/v1/clients/${fullClient.id}`), (r) => r.body.kpis.purchases === 1);
    expect(kept.body.type).toBe('full_access');
    expect((await business.admin.get('/api/v1/clients')).body.total).toBe(2);
  });

  it('puts a buyer on the waiting list when no seat is free, and invites them when one frees up', async () => {
    const business = await signUp(deployed.api, 1);
    const { id } = await product(business);
    const holder = (await business.admin.post('/api/v1/clients', newClient())).body;
    const email = uniqueEmail('waiting');
    await checkout(id, { email });
    const waiting = await clientByEmail(business, email);
    expect(waiting.status).toBe('pending');
    expect((await business.admin.get('/api/v1/account/seats')).body).toMatchObject({ used: 1, pending: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(await mails(deployed.api, email)).toEqual([]);
    await business.admin.call('DELETE', `/api/v1/clients/${holder.id}`);
    const promoted = await eventually(() => business.admin.get(`/api/v1/clients/${waiting.id}`), (r) => r.body.status === 'active');
    expect(promoted.body.status).toBe('active');
    expect((await eventually(() => mails(deployed.api, email), (items) => items.length > 0)).map((m) => m.kind)).toEqual(['invitation']);
  });

  it('400 idempotency_key_required without a key, 404 for an unknown product, 400 for a bad buyer', async () => {
    const business = await signUp(deployed.api);
    const { id } = await product(business);
    const noKey = await deployed.api.post('/api/v1/checkout', { productId: id, buyer: { firstName: 'A', lastName: 'B', email: uniqueEmail() } });
    expect({ status: noKey.status, code: noKey.body.code }).toEqual({ status: 400, code: 'idempotency_key_required' });
    expect((await checkout(randomUUID(), { email: uniqueEmail() })).status).toBe(404);
    expect((await checkout(id, { email: 'nope' })).status).toBe(400);
  });
});
