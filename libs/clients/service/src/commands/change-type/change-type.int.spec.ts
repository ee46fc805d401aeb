import { ClientsSubjects } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { clientAdded, coach, otherCoach, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.change-type', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  it('records the change with its effect on app access, and answers the profile', async () => {
    await clients.given('client-c1', [clientAdded('offline')]);

    const profile = await clients.when(ClientsSubjects.changeType, { actor: coach, data: { clientId: 'c1', type: 'full_access' } });

    expect(profile).toMatchObject({ id: 'c1', type: 'full_access', appAccess: 'invited' });
    expect(await clients.newEvents()).toMatchObject([
      { streamName: 'client-c1', type: 'ClientTypeChanged', data: { clientId: 'c1', from: 'offline', to: 'full_access', effect: 'invitation', appAccess: 'invited', changedBy: coach.id } },
    ]);
  });

  it('does not find another coach’s client (not_found), and records nothing', async () => {
    await clients.given('client-c1', [clientAdded('offline')]);

    await expect(clients.when(ClientsSubjects.changeType, { actor: otherCoach, data: { clientId: 'c1', type: 'full_access' } })).rejects.toMatchObject({ code: 'not_found' });
    expect(await clients.newEvents()).toEqual([]);
  });
});
