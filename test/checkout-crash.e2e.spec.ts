import { randomUUID } from 'node:crypto';
import { deployedForSuite, separateProcesses } from './support/deployments';
import { signUp, uniqueEmail } from './support/http';

/**
 * The enrolment saga survives its process being killed: with every service in its own process over
 * NATS, the clients service is SIGKILLed while purchases keep coming, then started again; every
 * buyer ends up enrolled exactly once, with exactly one purchase and one invitation.
 */
const deployed = deployedForSuite(separateProcesses);

it('enrols every buyer exactly once across a kill -9 of the clients service', async () => {
  const business = await signUp(deployed.api);
  const product = (await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 9900, currency: 'EUR' } })).body;
  const buyers = Array.from({ length: 30 }, (_, i) => uniqueEmail(`crash${i}`));
  const buy = (email: string) =>
    deployed.api.post('/api/v1/checkout', { productId: product.id, buyer: { firstName: 'Kim', lastName: 'Buyer', email } }, { 'idempotency-key': randomUUID() });

  const first = await Promise.all(buyers.slice(0, 10).map(buy));
  await deployed.deployment.kill!('clients');
  const during = await Promise.all(buyers.slice(10, 20).map(buy));
  await deployed.deployment.restart!('clients');
  const after = await Promise.all(buyers.slice(20).map(buy));
  for (const answer of [...first, ...during, ...after]) expect(answer.status).toBe(201);

  const deadline = Date.now() + 30_000;
  let total = 0;
  while (Date.now() < deadline) {
    total = (await business.admin.get('/api/v1/clients?pageSize=100')).body.total;
    if (total >= buyers.length) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const clients = (await business.admin.get('/api/v1/clients?pageSize=100')).body.items as Array<{ id: string; email: string }>;
  expect(clients.map((c) => c.email).sort()).toEqual([...buyers].sort());
  for (const client of clients) {
    const purchases = (await business.admin.get(`/api/v1/clients/${client.id}/purchases`)).body.items;
    expect(purchases).toHaveLength(1);
  }
  const mailsTo = async (email: string) => (await deployed.api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`)).body.items as Array<{ kind: string }>;
  for (const email of buyers) {
    for (let i = 0; i < 100 && (await mailsTo(email)).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const email of buyers) expect((await mailsTo(email)).map((m) => m.kind)).toEqual(['invitation']);
}, 120_000);
