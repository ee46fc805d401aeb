import { MessageSentEventData, MessagingEvents } from '@clientele/messaging/contracts';
import type { ThreadEvent } from '@clientele/messaging/domain';
import { IntegrationEventMapper, domainEvent, toIntegrationEvent } from '@clientele/platform/application';

/** A sent message goes out without its body (the client's personal data stays sealed in messaging's events). */
export const messagingIntegrationEvents: IntegrationEventMapper = (recorded) => {
  if (recorded.type !== 'MessageSent') return null;
  const { messageId, clientId, accountId, from, sentAt } = domainEvent<Extract<ThreadEvent, { type: 'MessageSent' }>>(recorded).data;
  const data: MessageSentEventData = { messageId, clientId, accountId, from, sentAt };
  return toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, accountId } }, MessagingEvents.messageSent, { ...data });
};
