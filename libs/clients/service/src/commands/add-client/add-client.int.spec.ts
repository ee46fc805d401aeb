import { ClientsSubjects, type ClientProfile } from '@clientele/clients/contracts';
import type { AccountView } from '@clientele/identity/contracts';
import { UnavailableError } from '@clientele/platform/core';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { coach, seatLimitSet, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.add-client', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  const add = (email: string, firstName = 'Ada') =>
    clients.when<ClientProfile>(ClientsSubjects.addClient, { actor: coach, data: { firstName, lastName: 'Lovelace', email, type: 'full_access', sendInvitation: false } });

  it('enrols the client on the account’s roster, starts its stream, and answers the profile; the personal data is stored sealed', async () => {
    await clients.given('roster-a1', [seatLimitSet(null)]);

    const profile = await add('ada@example.com');

    expect(profile).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', type: 'full_access', coachId: coach.id, status: 'active' });
    const events = await clients.newEvents();
    expect(events).toMatchObject([
      { streamName: 'roster-a1', type: 'ClientEnrolled', data: { clientId: profile.id, status: 'active' } },
      { streamName: `client-${profile.id}`, type: 'ClientAdded', data: { clientId: profile.id, accountId: 'a1', type: 'full_access', coachId: coach.id, addedBy: coach.id } },
    ]);
    expect(events[1].data).not.toHaveProperty('email');
    expect(JSON.stringify(events)).not.toMatch(/Ada|Lovelace|ada@example/);
  });

  it('answers a retry with the same Idempotency-Key with the same client, recording nothing again', async () => {
    await clients.given('roster-a1', [seatLimitSet(null)]);
    const request = { actor: coach, idempotencyKey: 'retry-1', data: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', type: 'full_access', sendInvitation: false } };
    const first = await clients.when<ClientProfile>(ClientsSubjects.addClient, request);
    expect(await clients.newEvents()).toHaveLength(2);

    const retried = await clients.when<ClientProfile>(ClientsSubjects.addClient, request);

    expect(retried).toMatchObject({ id: first.id, email: 'ada@example.com' });
    expect(await clients.newEvents()).toEqual([]);
  });

  it('refuses an e-mail another client of the account uses, whatever its case (email_taken), and records nothing', async () => {
    await add('ada@example.com');

    await expect(add(' ADA@example.com ', 'Augusta')).rejects.toMatchObject({ code: 'email_taken', errors: [{ field: 'email' }] });
    expect(await clients.newEvents()).toEqual([]);
  });

  it('refuses a client beyond the account’s seats (seat_limit_reached), and records nothing', async () => {
    await clients.given('roster-a1', [seatLimitSet(1)]);
    await add('ada@example.com');

    await expect(add('grace@example.com', 'Grace')).rejects.toMatchObject({ code: 'seat_limit_reached' });
    expect(await clients.newEvents()).toEqual([]);
  });

});

describe('clients.cmd.add-client: a full roster asks identity for the seat limit before it refuses', () => {
  let raised: UseCaseHarness;
  let identity: () => Pick<AccountView, 'seatLimit' | 'version'>;
  let asked = 0;
  beforeEach(async () => {
    identity = () => ({ seatLimit: 1, version: 1 });
    raised = await startClients({
      account: () => {
        asked++;
        return identity();
      },
    });
    // The roster heard of a limit of 1 (account version 1), and takes Ada on its one seat.
    await raised.given('roster-a1', [seatLimitSet(1)]);
    await addTo('ada@example.com', 'seat-of-ada');
    await raised.newEvents();
    asked = 0;
  });
  afterEach(() => raised.close());

  const addTo = (email: string, idempotencyKey?: string) =>
    raised.when<ClientProfile>(ClientsSubjects.addClient, { actor: coach, idempotencyKey, data: { firstName: 'Ada', lastName: 'Lovelace', email, type: 'full_access', sendInvitation: false } });

  it('records the limit an admin has just raised (identity’s event still on its way), and adds the client', async () => {
    identity = () => ({ seatLimit: 2, version: 2 });

    const second = await addTo('grace@example.com');

    expect(second).toMatchObject({ email: 'grace@example.com', status: 'active' });
    expect(await raised.newEvents()).toMatchObject([
      { streamName: 'roster-a1', type: 'RosterSeatLimitSet', data: { seatLimit: 2, accountVersion: 2 } },
      { streamName: 'roster-a1', type: 'ClientEnrolled', data: { clientId: second.id, status: 'active' } },
      { streamName: `client-${second.id}`, type: 'ClientAdded' },
    ]);
    // Full at the new limit too: refused, and nothing more recorded.
    await expect(addTo('alan@example.com')).rejects.toMatchObject({ code: 'seat_limit_reached' });
    expect(await raised.newEvents()).toEqual([]);
  });

  it('refuses with seat_limit_reached, not a 503, when identity cannot be asked, and records nothing', async () => {
    identity = () => {
      throw new UnavailableError('The identity service did not answer; try again shortly.');
    };

    await expect(addTo('grace@example.com')).rejects.toMatchObject({ code: 'seat_limit_reached' });
    expect(asked).toBe(1);
    expect(await raised.newEvents()).toEqual([]);
  });

  it('asks nothing for a retried add whose client already holds its seat', async () => {
    identity = () => ({ seatLimit: 1, version: 1 });

    expect(await addTo('ada@example.com', 'seat-of-ada')).toMatchObject({ email: 'ada@example.com' });
    expect(asked).toBe(0);
    expect(await raised.newEvents()).toEqual([]);
  });
});
