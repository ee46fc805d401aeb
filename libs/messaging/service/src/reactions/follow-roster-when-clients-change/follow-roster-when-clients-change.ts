import { ClientsEvents, type ClientsIntegrationEvents } from '@clientele/clients/contracts';
import { handleAndWait, reactionMetadata, reactionsTo, type Reaction } from '@clientele/platform/application';
import { durableName } from '@clientele/platform/bus';
import type { Messaging } from '../../messaging';

const onClients = reactionsTo<ClientsIntegrationEvents>();

/**
 * `messaging--clients`: the roster's events keep messaging's copy of each client's policy (type,
 * coach, deleted), in stream order. A deleted client's thread is closed and its key shredded.
 */
export function followRosterWhenClientsChange(messaging: Messaging): Reaction {
  return onClients(
    {
      durableName: durableName('messaging', 'clients'),
      sourceService: 'clients',
      subjects: [ClientsEvents.clientAdded, ClientsEvents.typeChanged, ClientsEvents.reassigned, ClientsEvents.deleted],
    },
    async (event) => {
      switch (event.subject) {
        case ClientsEvents.clientAdded: {
          const { clientId, accountId, coachId, type, version } = event.data;
          return messaging.updatePolicy({ clientId, accountId, coachId, type, version });
        }
        case ClientsEvents.typeChanged: {
          const { clientId, accountId, to, version } = event.data;
          return messaging.updatePolicy({ clientId, accountId, type: to, version });
        }
        case ClientsEvents.reassigned: {
          const { clientId, accountId, to, version } = event.data;
          return messaging.updatePolicy({ clientId, accountId, coachId: to, version });
        }
        case ClientsEvents.deleted: {
          const { clientId, accountId, version } = event.data;
          await messaging.updatePolicy({ clientId, accountId, version }, true);
          await handleAndWait(
            messaging.run(clientId, { type: 'CloseThread', clientId, accountId, metadata: { now: new Date().toISOString() } }, event.id, reactionMetadata(event)),
            messaging.views,
          );
          await messaging.codec.cipher.shred(clientId);
          return;
        }
      }
    },
  );
}
