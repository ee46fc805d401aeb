import { ClientAddedEventData, ClientsEvents } from '@clientele/clients/contracts';
import type { ClientEvent } from '@clientele/clients/domain';
import { IntegrationEventMapper, toIntegrationEvent, domainEvent } from '@clientele/platform/application';

/** The public facts of the roster: identity (invitations), messaging and notifications react to them. */
export const clientsIntegrationEvents: IntegrationEventMapper = (recorded) => {
  const event = domainEvent<ClientEvent>(recorded);
  switch (event.type) {
    case 'ClientAdded': {
      const d = event.data;
      const data: ClientAddedEventData = {
        clientId: d.clientId,
        accountId: d.accountId,
        firstName: d.firstName,
        lastName: d.lastName,
        email: d.email,
        type: d.type,
        coachId: d.coachId,
        sendInvitation: d.sendInvitation,
        source: d.source,
      };
      return toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, accountId: d.accountId } }, ClientsEvents.clientAdded, { ...data });
    }
    default:
      return null;
  }
};
