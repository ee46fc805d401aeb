import { ClientContactView, ClientsSubjects } from '@clientele/clients/contracts';
import { EmbeddedEventBus, type RequestClient } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { JsonLogger } from '@clientele/platform/logging';
import { Messaging } from './messaging';

/**
 * Which client type decides a message (issue 20, item 3). Messaging's copy of each client follows
 * the clients events, which may arrive after the coach has the answer of a type change. The guarantee:
 * a message started after that answer is decided by the new type. Here the copy is held behind on
 * purpose, as a slow consumer would leave it, and the roster (the clients service's `getContact`,
 * answered by a stand-in of that service over the request port) is already ahead.
 */
describe('Messaging: the policy a message is decided by', () => {
  let events: SqliteEventStore;
  let documents: SqliteDocumentStore;
  let bus: EmbeddedEventBus;
  let roster: Map<string, ClientContactView>;
  let messaging: Messaging;

  const contact = (type: ClientContactView['type'], version: number): ClientContactView => ({
    clientId: 'c1',
    accountId: 'a1',
    coachId: 'coach-1',
    firstName: 'Mo',
    lastName: 'Farah',
    email: 'mo@example.com',
    type,
    status: 'active',
    appAccess: 'invited',
    version,
  });

  beforeEach(() => {
    events = new SqliteEventStore({ filename: ':memory:' });
    documents = new SqliteDocumentStore({ filename: ':memory:' });
    bus = new EmbeddedEventBus({ filename: ':memory:' });
    roster = new Map();
    const requests: RequestClient = {
      async request<T>(subject: string, payload: unknown): Promise<T> {
        if (subject !== ClientsSubjects.getContact) throw new Error(`unexpected request ${subject}`);
        const found = roster.get((payload as { data: { clientId: string } }).data.clientId);
        if (!found) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
        return found as T;
      },
    };
    messaging = new Messaging({ events, documents, keys: documents, bus, requests, logger: new JsonLogger('error', { write: () => undefined }) });
  });
  afterEach(async () => {
    await bus.close();
    await events.close();
    await documents.close();
  });

  /** The clients events as messaging's consumer applies them. */
  const copyHasSeen = (type: ClientContactView['type'], version: number) =>
    messaging.updatePolicy({ clientId: 'c1', accountId: 'a1', coachId: 'coach-1', type, version });

  it('is the roster’s when the copy has not seen the client’s current version: a reply after the switch to one-way is refused', async () => {
    await copyHasSeen('full_access', 1);
    roster.set('c1', contact('full_access_one_way', 2));

    const policy = await messaging.policy('c1');
    expect(policy).toMatchObject({ type: 'full_access_one_way', version: 2 });
    const reply = messaging.run(
      'c1',
      { type: 'SendMessage', messageId: 'm1', clientId: 'c1', accountId: 'a1', from: 'client', body: 'Can I still answer?', clientType: policy!.type, metadata: { actorId: 'c1', now: new Date().toISOString() } },
      'm1',
      { correlationId: 'k1' },
    );
    await expect(reply).rejects.toMatchObject({ code: 'messaging_not_allowed' });
    // The decision wrote nothing to the copy: its one writer is the events' consumer.
    expect(await documents.collection('client_policies').get('c1')).toMatchObject({ type: 'full_access', version: 1 });
  });

  it('is the copy’s once the copy has seen that version', async () => {
    await copyHasSeen('full_access_one_way', 2);
    roster.set('c1', contact('full_access_one_way', 2));
    expect(await messaging.policy('c1')).toEqual({ id: 'c1', accountId: 'a1', coachId: 'coach-1', type: 'full_access_one_way', deleted: false, version: 2 });
  });

  it('follows a reassignment before the copy does: the new coach’s, not the old one’s', async () => {
    await copyHasSeen('full_access', 1);
    roster.set('c1', { ...contact('full_access', 2), coachId: 'coach-2' });
    expect(await messaging.policy('c1')).toMatchObject({ coachId: 'coach-2' });
  });

  it('is none for a client the roster no longer has, whatever the copy says', async () => {
    await copyHasSeen('full_access', 1);
    expect(await messaging.policy('c1')).toBeNull();
  });

  it('is the roster’s for a client the copy has not heard of yet', async () => {
    roster.set('c1', contact('offline', 0));
    expect(await messaging.policy('c1')).toMatchObject({ type: 'offline', deleted: false });
  });
});
