import { ClientsSubjects } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { clientAdded, coach, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.change-contact', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  const add = (email: string) =>
    clients.when<{ id: string }>(ClientsSubjects.addClient, { actor: coach, idempotencyKey: email, data: { firstName: 'Mo', lastName: 'Farah', email, type: 'full_access' } });

  it('records what changed of the contact details, sealed, and answers the profile', async () => {
    await clients.given('client-c1', [clientAdded()]);

    const profile = await clients.when(ClientsSubjects.changeContact, { actor: coach, data: { clientId: 'c1', changes: { lastName: 'Farah-Smith', phone: '+44 20 7946 0000' } } });

    expect(profile).toMatchObject({ id: 'c1', lastName: 'Farah-Smith', phone: '+44 20 7946 0000' });
    const [changed] = await clients.newEvents();
    expect(changed).toMatchObject({ streamName: 'client-c1', type: 'ClientContactChanged', data: { clientId: 'c1', fields: ['lastName', 'phone'], changedBy: coach.id } });
    expect(JSON.stringify(changed.data)).not.toContain('Farah-Smith');
  });

  it('moves the address on the account’s roster along with the client', async () => {
    const { id } = await add('mo@example.com');

    await expect(clients.when(ClientsSubjects.changeContact, { actor: coach, data: { clientId: id, changes: { email: 'mo.farah@example.com' } } })).resolves.toMatchObject({
      email: 'mo.farah@example.com',
    });
    expect(await clients.newEvents()).toMatchObject([
      { streamName: 'roster-a1', type: 'RosterEmailChanged', data: { clientId: id } },
      { streamName: `client-${id}`, type: 'ClientContactChanged', data: { fields: ['email'] } },
    ]);
  });

  it('refuses an address another client of the account uses (email_taken), and changes nothing', async () => {
    const { id } = await add('mo@example.com');
    await add('paula@example.com');

    await expect(clients.when(ClientsSubjects.changeContact, { actor: coach, data: { clientId: id, changes: { email: 'Paula@Example.com' } } })).rejects.toMatchObject({ code: 'email_taken' });
    expect(await clients.newEvents()).toEqual([]);
  });

  describe('an address that signs in to a login elsewhere in Clientele (issue 21)', () => {
    let withLogins: UseCaseHarness;
    beforeEach(async () => (withLogins = await startClients({ signingIn: ['taken@example.com'] })));
    afterEach(() => withLogins.close());
    const addTo = (harness: UseCaseHarness, email: string, type: 'full_access' | 'offline') =>
      harness.when<{ id: string }>(ClientsSubjects.addClient, { actor: coach, idempotencyKey: email, data: { firstName: 'Mo', lastName: 'Farah', email, type } });

    it('is refused at the edit for a client who signs in or may (email_taken, a sentence naming the address), and nothing changes', async () => {
      const { id } = await addTo(withLogins, 'mo@example.com', 'full_access');
      const refused = withLogins.when(ClientsSubjects.changeContact, { actor: coach, data: { clientId: id, changes: { email: 'Taken@Example.com', phone: '+44 20 7946 0000' } } });
      await expect(refused).rejects.toMatchObject({ code: 'email_taken', detail: expect.stringContaining('Taken@Example.com already signs in to Clientele') });
      expect(await withLogins.newEvents()).toEqual([]);
    });

    it('is accepted for an offline client, whose address is contact data only', async () => {
      const { id } = await addTo(withLogins, 'grace@example.com', 'offline');
      await expect(withLogins.when(ClientsSubjects.changeContact, { actor: coach, data: { clientId: id, changes: { email: 'taken@example.com' } } })).resolves.toMatchObject({
        email: 'taken@example.com',
      });
    });
  });
});
