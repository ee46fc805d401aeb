import { ClientsSubjects } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { clientActor, clientAdded, coach, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.change-own-profile', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  it('records what the client changed of their own contact details, sealed, and answers their profile', async () => {
    await clients.given('client-c1', [clientAdded()]);

    const profile = await clients.when(ClientsSubjects.changeOwnProfile, { actor: clientActor('c1'), data: { firstName: 'Mohamed', phone: '+44 20 7946 0000' } });

    expect(profile).toMatchObject({ id: 'c1', firstName: 'Mohamed', lastName: 'Farah', phone: '+44 20 7946 0000' });
    const [changed] = await clients.newEvents();
    expect(changed).toMatchObject({ streamName: 'client-c1', type: 'ClientContactChanged', data: { clientId: 'c1', changedBy: 'c1' } });
    expect(JSON.stringify(changed.data)).not.toContain('Mohamed');
  });

  it('is the client’s own (forbidden to staff), and records nothing', async () => {
    await clients.given('client-c1', [clientAdded()]);

    await expect(clients.when(ClientsSubjects.changeOwnProfile, { actor: coach, data: { firstName: 'Mohamed' } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await clients.newEvents()).toEqual([]);
  });
});
