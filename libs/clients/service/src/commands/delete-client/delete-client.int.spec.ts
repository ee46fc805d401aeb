import { ClientsSubjects, type ClientProfile } from '@clientele/clients/contracts';
import { UseCaseHarness, staffActor } from '@clientele/platform/testing';
import { admin, coach, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.delete-client', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  const add = () => clients.when<ClientProfile>(ClientsSubjects.addClient, { actor: coach, data: { firstName: 'Mo', lastName: 'Farah', email: 'mo@example.com', type: 'full_access' } });

  it('frees the client’s seat and e-mail on the roster, ends its stream, and the client is gone', async () => {
    const { id } = await add();

    await expect(clients.when(ClientsSubjects.deleteClient, { actor: admin, data: { clientId: id } })).resolves.toEqual({ deleted: true });

    expect(await clients.newEvents()).toMatchObject([
      { streamName: 'roster-a1', type: 'ClientRemoved', data: { clientId: id } },
      { streamName: `client-${id}`, type: 'ClientDeleted', data: { clientId: id } },
    ]);
    await expect(clients.when(ClientsSubjects.getClient, { actor: admin, data: { clientId: id } })).rejects.toMatchObject({ code: 'not_found' });
    // The e-mail is free again: a new client may use it.
    await expect(add()).resolves.toMatchObject({ email: 'mo@example.com' });
  });

  it('does not find a client of another account (not_found), and records nothing', async () => {
    const { id } = await add();
    const otherAccountAdmin = staffActor('admin', 'u-admin-2', 'a2');

    await expect(clients.when(ClientsSubjects.deleteClient, { actor: otherAccountAdmin, data: { clientId: id } })).rejects.toMatchObject({ code: 'not_found' });
    expect(await clients.newEvents()).toEqual([]);
  });
});
