import { ClientsSubjects } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { admin, clientAdded, coach, otherCoach, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.reassign', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  it('hands the client to another coach of the account, and answers the profile', async () => {
    await clients.given('client-c1', [clientAdded()]);

    await expect(clients.when(ClientsSubjects.reassign, { actor: admin, data: { clientId: 'c1', coachId: otherCoach.id } })).resolves.toMatchObject({ id: 'c1', coachId: otherCoach.id });
    expect(await clients.newEvents()).toMatchObject([{ streamName: 'client-c1', type: 'ClientReassigned', data: { clientId: 'c1', from: coach.id, to: otherCoach.id, reassignedBy: admin.id } }]);
  });

  it('is for admins only (forbidden), and records nothing', async () => {
    await clients.given('client-c1', [clientAdded()]);

    await expect(clients.when(ClientsSubjects.reassign, { actor: coach, data: { clientId: 'c1', coachId: otherCoach.id } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await clients.newEvents()).toEqual([]);
  });
});
