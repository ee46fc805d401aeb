import { MessagingEvents, type MessagingIntegrationEvents } from '@clientele/messaging/contracts';
import { reactionMetadata, reactionsTo, type Reaction } from '@clientele/platform/application';
import { durableName } from '@clientele/platform/bus';
import type { ClientsContext } from '../../clients.context';

/** Message counts on the profile: one event per message on the client's stream (no body). */
export function recordMessageWhenMessageSent(context: ClientsContext): Reaction {
  return reactionsTo<MessagingIntegrationEvents>()(
    { durableName: durableName('clients', 'messaging'), sourceService: 'messaging', subjects: [MessagingEvents.messageSent] },
    async (event) => {
      const { clientId, messageId, from, sentAt } = event.data;
      await context
        .changeClient(clientId, null, { type: 'RecordMessage', messageId, from, sentAt }, `message:${messageId}`, reactionMetadata(event))
        .catch((error) => {
          // The client was deleted meanwhile: nothing to count.
          if ((error as { code?: string }).code !== 'not_found') throw error;
        });
    },
  );
}
