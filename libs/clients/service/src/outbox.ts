import { ClientsEvents } from '@clientele/clients/contracts';
import type { ClientEvent } from '@clientele/clients/domain';
import { IntegrationEventMapper, domainEvent, toIntegrationEvent } from '@clientele/platform/application';
import type { RecordedEvent } from '@clientele/platform/event-store';

/**
 * The public facts of the roster, without personal data (which stays sealed in the event store).
 * Only fields that are never personal are read from the stored event, so nothing is decrypted here.
 */
export const clientsIntegrationEvents: IntegrationEventMapper = (recorded) => {
  if (!recorded.streamName.startsWith('client-')) return null;
  const event = domainEvent<ClientEvent>(recorded);
  const { clientId, accountId } = event.data;
  // `version`: the client stream's revision, so that copies kept elsewhere apply changes in order.
  const publish = (subject: string, data: Record<string, unknown>) =>
    toIntegrationEvent(withAccount(recorded, accountId), subject, { clientId, accountId, version: recorded.revision, ...data });
  switch (event.type) {
    case 'ClientAdded': {
      const { type, status, coachId, sendInvitation, source } = event.data;
      return publish(ClientsEvents.clientAdded, { type, status, coachId, sendInvitation, source });
    }
    case 'ClientTypeChanged':
      return publish(ClientsEvents.typeChanged, { from: event.data.from, to: event.data.to, effect: event.data.effect });
    case 'ClientActivated':
      return publish(ClientsEvents.activated, {});
    case 'ClientContactChanged':
      return publish(ClientsEvents.contactChanged, { fields: (recorded.data.fields as string[] | undefined) ?? [] });
    case 'ClientReassigned':
      return publish(ClientsEvents.reassigned, { from: event.data.from, to: event.data.to });
    case 'ClientLoginDetailsRequested':
      return publish(ClientsEvents.loginDetailsRequested, { kind: event.data.kind });
    case 'ClientPasswordResetRequested':
      return publish(ClientsEvents.passwordResetRequested, {});
    case 'ClientDeleted':
      return publish(ClientsEvents.deleted, {});
    case 'ClientPurchaseRecorded': {
      const { purchaseId, productId, amount, purchasedAt } = event.data;
      return publish(ClientsEvents.purchaseRecorded, {
        purchaseId,
        productId,
        productName: event.data.productName ?? '',
        amount,
        sessionPack: event.data.sessionPack ?? null,
        purchasedAt,
      });
    }
    default:
      return null;
  }
};

function withAccount(recorded: RecordedEvent, accountId: string): RecordedEvent {
  return { ...recorded, metadata: { ...recorded.metadata, accountId } };
}
