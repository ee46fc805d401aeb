import { ClientsSubjects } from '@clientele/clients/contracts';
import type { ClientAddedData } from '@clientele/clients/domain';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import type { StoredEvent, UseCaseHarness } from '@clientele/platform/testing';
import { ClientEventCodec } from '../personal-data';
import { coach, startClients } from '../testing/clients-use-cases';

/** The two steps of adding a client (roster, then the client's stream) and the processor's completion of the second. */
describe('enrolment', () => {
  let clients: UseCaseHarness;
  let seal: jest.SpyInstance;
  beforeEach(async () => {
    clients = await startClients();
    seal = jest.spyOn(PersonalDataCipher.prototype, 'seal');
  });
  afterEach(async () => {
    seal.mockRestore();
    await clients.close();
  });

  const ofType = (events: StoredEvent[], type: string) => events.filter((e) => e.type === type);

  it('seals the personal data once: the roster and the client stream store the same sealed value', async () => {
    const profile = await clients.when<{ id: string }>(ClientsSubjects.addClient, {
      actor: coach,
      data: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', type: 'full_access', sendInvitation: false },
    });

    const events = await clients.newEvents();
    const [enrolled] = ofType(events, 'ClientEnrolled');
    const [added] = ofType(events, 'ClientAdded');
    expect(enrolled).toMatchObject({ streamName: 'roster-a1', data: { clientId: profile.id, status: 'active' } });
    expect(added).toEqual({ streamName: `client-${profile.id}`, type: 'ClientAdded', data: enrolled.data.client });
    expect(Object.keys(added.data)).toEqual(['clientId', 'accountId', 'type', 'sendInvitation', 'status', 'coachId', 'source', 'appAccess', 'addedAt', 'addedBy', 'personal']);
    expect(JSON.stringify(events)).not.toMatch(/Ada|Lovelace|ada@example/);
    expect(seal).toHaveBeenCalledTimes(1);
  });

  it('after a crash between the two steps, starts the client stream from the roster, with its status and the same sealed value', async () => {
    const cipher = new PersonalDataCipher(new KeyStore(clients.adapters.keys));
    const codec = new ClientEventCodec(cipher);
    const client = (clientId: string): ClientAddedData => ({
      clientId,
      accountId: 'a1',
      firstName: 'Kim',
      lastName: 'Buyer',
      email: `${clientId}@example.com`,
      phone: null,
      type: 'full_access',
      status: 'active',
      coachId: coach.id,
      source: { kind: 'product', productId: 'p1' },
      sendInvitation: true,
      appAccess: 'invited',
      addedAt: '2026-01-01T09:00:00.000Z',
      addedBy: 'billing',
    });
    const waiting = await codec.sealNewClient(client('c9'));
    const deleted = await codec.sealNewClient(client('c8'));
    // c8 was deleted before the processor got to its enrolment: its key is gone.
    await cipher.shred('c8');
    seal.mockClear();

    await clients.given('roster-a1', [
      { type: 'RosterSeatLimitSet', data: { accountId: 'a1', seatLimit: 0, accountVersion: 0 } },
      { type: 'ClientEnrolled', data: { clientId: 'c8', emailKey: 'k8', status: 'active', client: deleted.stored } },
      { type: 'ClientEnrolled', data: { clientId: 'c9', emailKey: 'k9', status: 'pending', client: waiting.stored } },
    ]);

    // The processor takes the roster's events in order: once c9's stream starts, c8's enrolment was handled.
    const events = await clients.eventually(4);
    expect(events.filter((e) => e.streamName.startsWith('client-'))).toEqual([
      { streamName: 'client-c9', type: 'ClientAdded', data: { ...waiting.stored, status: 'pending' } },
    ]);
    expect(seal).not.toHaveBeenCalled();
  });
});
