import { MessagingSubjects } from '@clientele/messaging/contracts';
import type { ClientContactView } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { coach, contact, startMessaging } from '../../testing/messaging-use-cases';

describe('messaging.cmd.send-as-coach', () => {
  let messaging: UseCaseHarness;
  let roster: Map<string, ClientContactView>;
  beforeEach(async () => ({ messaging, roster } = await startMessaging()));
  afterEach(() => messaging.close());

  it('records the message on the client’s thread, the body sealed, and answers it', async () => {
    roster.set('c1', contact('full_access_one_way'));

    const message = await messaging.when<{ id: string }>(MessagingSubjects.sendAsCoach, { actor: coach, data: { clientId: 'c1', body: 'See you Monday' } });

    expect(message).toMatchObject({ from: 'coach', body: 'See you Monday' });
    const [sent] = await messaging.newEvents();
    expect(sent).toMatchObject({ streamName: 'thread-c1', type: 'MessageSent', data: { messageId: message.id, clientId: 'c1', accountId: 'a1', from: 'coach', senderId: coach.id } });
    expect(JSON.stringify(sent.data.body)).not.toContain('See you Monday');
  });

  it('refuses to write to an offline client (messaging_not_allowed), and records nothing', async () => {
    roster.set('c1', contact('offline'));

    await expect(messaging.when(MessagingSubjects.sendAsCoach, { actor: coach, data: { clientId: 'c1', body: 'Hello' } })).rejects.toMatchObject({ code: 'messaging_not_allowed' });
    expect(await messaging.newEvents()).toEqual([]);
  });

  it('does not find another coach’s client (not_found)', async () => {
    roster.set('c1', contact('full_access', 'c1', 'coach-2'));

    await expect(messaging.when(MessagingSubjects.sendAsCoach, { actor: coach, data: { clientId: 'c1', body: 'Hello' } })).rejects.toMatchObject({ code: 'not_found' });
  });
});
