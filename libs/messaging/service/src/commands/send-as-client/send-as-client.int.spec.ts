import { MessagingSubjects } from '@clientele/messaging/contracts';
import type { ClientContactView } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { clientActor, contact, startMessaging } from '../../testing/messaging-use-cases';

describe('messaging.cmd.send-as-client', () => {
  let messaging: UseCaseHarness;
  let roster: Map<string, ClientContactView>;
  beforeEach(async () => ({ messaging, roster } = await startMessaging()));
  afterEach(() => messaging.close());

  it('records a full-access client’s reply on their thread, and answers it', async () => {
    roster.set('c1', contact('full_access'));

    const message = await messaging.when<{ id: string }>(MessagingSubjects.sendAsClient, { actor: clientActor('c1'), data: { body: 'Monday works' } });

    expect(message).toMatchObject({ from: 'client', body: 'Monday works' });
    expect(await messaging.newEvents()).toMatchObject([{ streamName: 'thread-c1', type: 'MessageSent', data: { messageId: message.id, clientId: 'c1', from: 'client', senderId: 'c1' } }]);
  });

  it('refuses a reply on one-way messaging (messaging_not_allowed), and records nothing', async () => {
    roster.set('c1', contact('full_access_one_way'));

    await expect(messaging.when(MessagingSubjects.sendAsClient, { actor: clientActor('c1'), data: { body: 'Can I answer?' } })).rejects.toMatchObject({ code: 'messaging_not_allowed' });
    expect(await messaging.newEvents()).toEqual([]);
  });

  it('refuses on a thread closed when the client was deleted (not_found)', async () => {
    roster.set('c1', contact('full_access'));
    await messaging.given('thread-c1', [{ type: 'ThreadClosed', data: { clientId: 'c1', accountId: 'a1', closedAt: '2026-01-01T09:00:00.000Z' } }]);

    await expect(messaging.when(MessagingSubjects.sendAsClient, { actor: clientActor('c1'), data: { body: 'Hello?' } })).rejects.toMatchObject({ code: 'not_found' });
    expect(await messaging.newEvents()).toEqual([]);
  });
});
