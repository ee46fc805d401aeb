import { IdentityEvents, MailRequestedEventData } from '@clientele/identity/contracts';
import type { ClientLoginEvent } from '@clientele/identity/domain';
import { domainEvent, toIntegrationEvent } from '@clientele/platform/application';
import type { IntegrationEvent } from '@clientele/platform/bus';
import type { RecordedEvent } from '@clientele/platform/event-store';

/** The public facts of client access: a mail to send (notifications), a login that became active (clients). */
export function clientAccessIntegrationEvent(recorded: RecordedEvent): IntegrationEvent | null {
  if (!recorded.streamName.startsWith('clientlogin-')) return null;
  const event = domainEvent<ClientLoginEvent>(recorded);
  const { clientId, accountId } = event.data;
  const withAccount = { ...recorded, metadata: { ...recorded.metadata, accountId } };
  const mail = (kind: MailRequestedEventData['kind'], tokenId?: string) => {
    const data: MailRequestedEventData = { mailId: recorded.id, kind, clientId, accountId, ...(tokenId ? { tokenId } : {}) };
    return toIntegrationEvent(withAccount, IdentityEvents.mailRequested, { ...data });
  };
  switch (event.type) {
    case 'ClientInvitationIssued':
      return mail('invitation', event.data.tokenId);
    case 'ClientLoginLinkSent':
      return mail('login_details');
    case 'ClientPasswordResetIssued':
      return mail('password_reset', event.data.tokenId);
    case 'ClientAccessRestored':
      return mail('access_restored');
    case 'ClientEmailChangeRequested':
      return mail('email_change_confirmation', event.data.tokenId);
    case 'ClientEmailChangeNoticeSent':
      return mail('email_change_notice');
    case 'ClientInvitationAccepted':
      return toIntegrationEvent(withAccount, IdentityEvents.clientAccessActivated, { clientId, accountId });
    default:
      return null;
  }
}
