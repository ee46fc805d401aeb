import { MessagingEvents, type MessagingIntegrationEvents } from '@clientele/messaging/contracts';
import { reactionsTo, type Reaction } from '@clientele/platform/application';
import type { SendClientMail } from '../../send-client-mail';

const onMessaging = reactionsTo<MessagingIntegrationEvents>();

/** "New message from your coach", at most one per thread per 15 minutes. */
export function mailClientWhenMessageSent(mails: SendClientMail): Reaction {
  return onMessaging(
    { durableName: 'notifications--messaging', sourceService: 'messaging', subjects: [MessagingEvents.messageSent], ...mails.retries },
    async (event) => {
      const sent = event.data;
      if (sent.from !== 'coach') return;
      await mails.handleThrottled(event, { mailId: event.id, kind: 'new_message', clientId: sent.clientId, accountId: sent.accountId }, Date.parse(sent.sentAt), 15 * 60 * 1000);
    },
  );
}
