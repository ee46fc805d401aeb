import { randomUUID } from 'node:crypto';
import { BOTH_MODES, deployedForSuite } from './support/deployments';
import { eventually } from './support/eventually';
import { Business, newClient, signUp, uniqueEmail } from './support/http';

/**
 * Issue 21, item 3: the checkout answer says what became of the buyer, so that the page tells a
 * buyer on the waiting list that they wait (no e-mail was sent), not that an e-mail went out. The
 * answer is decided once, from what the enrolment recorded: a repeated Idempotency-Key answers the
 * same, even after the waiting buyer got their seat.
 */
describe.each(BOTH_MODES)('checkout answers the enrolment %s', (_mode, deploy) => {
  const deployed = deployedForSuite(deploy, 240_000);

  async function product(business: Business, body: Record<string, unknown> = {}) {
    const created = await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 4900, currency: 'EUR' }, ...body });
    expect(created.status).toBe(201);
    return created.body as { id: string };
  }

  const checkout = (productId: string, email: string, key: string = randomUUID()) =>
    deployed.api.post('/api/v1/checkout', { productId, buyer: { firstName: 'Bea', lastName: 'Buyer', email } }, { 'idempotency-key': key });

  /** The answer once decided: in a loaded run the enrolment may take longer than checkout waits, then the page asks the status. */
  const decided = async (answer: { body: { purchaseId: string; enrolment: string } }) =>
    answer.body.enrolment !== 'in_progress'
      ? answer.body
      : (await eventually(() => deployed.api.get(`/api/v1/checkout/purchases/${answer.body.purchaseId}`), (r) => r.body.enrolment !== 'in_progress', { timeoutMs: 30_000, intervalMs: 250 })).body;

  it('answers enrolled for a buyer who got a seat, and the same for a repeated key', async () => {
    const business = await signUp(deployed.api);
    const { id } = await product(business);
    const key = randomUUID();
    const email = uniqueEmail('seated');
    const first = await checkout(id, email, key);
    expect(first.status).toBe(201);
    expect(await decided(first)).toEqual({ purchaseId: first.body.purchaseId, productId: id, status: 'completed', enrolment: 'enrolled' });
    const again = await checkout(id, email, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ purchaseId: first.body.purchaseId, productId: id, status: 'completed', enrolment: 'enrolled' });
    expect((await deployed.api.get(`/api/v1/checkout/purchases/${first.body.purchaseId}`)).body).toEqual(again.body);
  });

  it('answers waiting_for_seat with no free seat, and still does for the same key after the buyer got a seat', async () => {
    const business = await signUp(deployed.api, 1);
    const { id } = await product(business);
    const holder = (await business.admin.post('/api/v1/clients', newClient())).body;
    const key = randomUUID();
    const email = uniqueEmail('waiting');
    const first = await checkout(id, email, key);
    expect(first.status).toBe(201);
    expect(await decided(first)).toMatchObject({ status: 'completed', enrolment: 'waiting_for_seat' });
    expect((await checkout(id, email, key)).body).toMatchObject({ purchaseId: first.body.purchaseId, enrolment: 'waiting_for_seat' });

    await business.admin.call('DELETE', `/api/v1/clients/${holder.id}`);
    const waiting = (await eventually(() => business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`), (r) => r.body.items.length === 1)).body.items[0];
    await eventually(() => business.admin.get(`/api/v1/clients/${waiting.id}`), (r) => r.body.status === 'active');
    // What happened at the purchase does not change: the answer to a retry is the first answer.
    expect((await checkout(id, email, key)).body).toEqual({ purchaseId: first.body.purchaseId, productId: id, status: 'completed', enrolment: 'waiting_for_seat' });
  });

  it('answers already_client for a buyer who is a client of the account already', async () => {
    const business = await signUp(deployed.api);
    const { id } = await product(business);
    const existing = newClient({ type: 'full_access' });
    expect((await business.admin.post('/api/v1/clients', existing)).status).toBe(201);
    const bought = await checkout(id, existing.email.toUpperCase());
    expect(bought.status).toBe(201);
    expect(await decided(bought)).toMatchObject({ enrolment: 'already_client' });
  });

  it('names the business on the public product, and 404 not_found for an unknown purchase status', async () => {
    const business = await signUp(deployed.api);
    const { id } = await product(business);
    expect((await deployed.api.get(`/api/v1/checkout/products/${id}`)).body).toMatchObject({ name: 'Bootcamp', businessName: 'Stone Fitness' });
    const unknown = await deployed.api.get(`/api/v1/checkout/purchases/${randomUUID()}`);
    expect({ status: unknown.status, code: unknown.body.code, type: unknown.headers.get('content-type') }).toEqual({
      status: 404,
      code: 'not_found',
      type: expect.stringContaining('application/problem+json'),
    });
  });
});
