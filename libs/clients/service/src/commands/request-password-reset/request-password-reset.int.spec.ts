import { ClientsSubjects } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { clientAdded, coach, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.request-password-reset', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  it('records the coach’s request for a reset link', async () => {
    await clients.given('client-c1', [clientAdded('full_access')]);

    await expect(clients.when(ClientsSubjects.requestPasswordReset, { actor: coach, data: { clientId: 'c1' } })).resolves.toEqual({ accepted: true });
    expect(await clients.newEvents()).toMatchObject([{ streamName: 'client-c1', type: 'ClientPasswordResetRequested', data: { clientId: 'c1', requestedBy: coach.id } }]);
  });

  it('refuses an offline client (offline_no_login), and records nothing', async () => {
    await clients.given('client-c1', [clientAdded('offline')]);

    await expect(clients.when(ClientsSubjects.requestPasswordReset, { actor: coach, data: { clientId: 'c1' } })).rejects.toMatchObject({ code: 'offline_no_login' });
    expect(await clients.newEvents()).toEqual([]);
  });
});
