import { ClientsSubjects } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { clientAdded, coach, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.bulk-change-type', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  it('changes each client it can, and reports the others as failed with their problem code', async () => {
    await clients.given('client-c1', [clientAdded('full_access', 'c1')]);
    await clients.given('client-c2', [clientAdded('offline', 'c2')]);

    const answer = await clients.when(ClientsSubjects.bulkChangeType, { actor: coach, idempotencyKey: 'k1', data: { clientIds: ['c1', 'c2', 'c3'], type: 'offline' } });

    expect(answer).toEqual({
      results: [
        { clientId: 'c1', outcome: 'changed' },
        { clientId: 'c2', outcome: 'unchanged' },
        { clientId: 'c3', outcome: 'failed', error: { code: 'not_found', detail: expect.any(String) } },
      ],
      summary: { changed: 1, unchanged: 1, failed: 1, invitationsToSend: 0, accessRevoked: 1 },
    });
    expect(await clients.newEvents()).toMatchObject([{ streamName: 'client-c1', type: 'ClientTypeChanged', data: { from: 'full_access', to: 'offline', effect: 'access_revoked' } }]);
  });

  it('records nothing on a dry run, and answers what it would do', async () => {
    await clients.given('client-c1', [clientAdded('full_access', 'c1')]);

    const answer = await clients.when(ClientsSubjects.bulkChangeType, { actor: coach, data: { clientIds: ['c1'], type: 'offline', dryRun: true } });

    expect(answer).toMatchObject({ results: [{ clientId: 'c1', outcome: 'changed' }], summary: { changed: 1, accessRevoked: 1 } });
    expect(await clients.newEvents()).toEqual([]);
  });
});
