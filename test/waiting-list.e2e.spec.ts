import { ClientAddedData } from '@clientele/clients/domain';
import { CLIENTS_CONTEXT } from '@clientele/clients/service';
import type { ClientsContext } from '@clientele/clients/service';
import { randomUUID } from 'node:crypto';
import { newClient, signUp, uniqueEmail } from './support/http';
import { eventually } from './support/eventually';
import { inProcessForSuite } from './support/in-process';

/**
 * The waiting list: checkout (issue 6) is what enrols a buyer with no free seat as `pending`. Until
 * it exists, this suite enrols such buyers through the clients service itself, then frees seats
 * through the API and watches them get their seat, first come first served.
 */
const inProcess = inProcessForSuite();
let context: ClientsContext;

beforeAll(() => {
  context = inProcess.system.app.get<ClientsContext>(CLIENTS_CONTEXT, { strict: false });
});

async function enrolBuyer(accountId: string, coachId: string, name: string): Promise<string> {
  const clientId = randomUUID();
  const email = uniqueEmail(name);
  const client: ClientAddedData = {
    clientId,
    accountId,
    firstName: name,
    lastName: 'Buyer',
    email,
    phone: null,
    type: 'full_access_one_way',
    status: 'pending',
    coachId,
    source: { kind: 'product', productId: 'p1' },
    sendInvitation: true,
    appAccess: 'invited',
    addedAt: new Date().toISOString(),
    addedBy: 'system',
  };
  const stored = await context.codec.encode({ type: 'ClientAdded', data: client });
  const [plan] = await context.enrol(accountId, [{ clientId, emailKey: await context.emailKey(accountId, email), whenFull: 'wait', client: stored }], `buy:${clientId}`, {});
  if (plan.refusal) throw plan.refusal;
  return clientId;
}

/** The in-process system promotes within milliseconds: a short wait, asked often. */
const SOON = { timeoutMs: 5000, intervalMs: 50 };

it('keeps buyers waiting without a seat and promotes them first come, first served', async () => {
  const business = await signUp(inProcess.api, 1);
  const holder = (await business.admin.post('/api/v1/clients', newClient())).body;
  const first = await enrolBuyer(business.accountId, business.ownerId, 'First');
  const second = await enrolBuyer(business.accountId, business.ownerId, 'Second');
  const status = async (id: string) => (await business.admin.get(`/api/v1/clients/${id}`)).body.status;

  // The buyers' own streams are started by the roster-effects processor, shortly after.
  expect(await eventually(() => status(first), (s) => s === 'pending', SOON)).toBe('pending');
  expect(await eventually(() => status(second), (s) => s === 'pending', SOON)).toBe('pending');
  expect((await business.admin.get('/api/v1/account/seats')).body).toMatchObject({ limit: 1, used: 1, pending: 2 });
  expect((await business.admin.get('/api/v1/clients?status=pending')).body.total).toBe(2);

  await business.admin.call('DELETE', `/api/v1/clients/${holder.id}`);
  expect(await eventually(() => status(first), (s) => s === 'active', SOON)).toBe('active');
  expect(await status(second)).toBe('pending');

  await business.admin.patch('/api/v1/account', { seatLimit: 2 });
  expect(await eventually(() => status(second), (s) => s === 'active', SOON)).toBe('active');
  expect((await business.admin.get('/api/v1/account/seats')).body).toMatchObject({ limit: 2, used: 2, pending: 0 });
});
