import { IdentityEvents, MailRequestedEventData, SeatLimitEventData, StaffMailRequestedEventData } from '@clientele/identity/contracts';
import type { AccountEvent, ClientLoginEvent, StaffMemberEvent } from '@clientele/identity/domain';
import { IntegrationEventMapper, toIntegrationEvent, domainEvent } from '@clientele/platform/application';

/** The public facts of an account: opened, and its seat limit. */
const accountIntegrationEvent: IntegrationEventMapper = (recorded) => {
  const event = domainEvent<AccountEvent>(recorded);
  switch (event.type) {
    case 'AccountOpened':
    case 'AccountSeatLimitChanged': {
      const data: SeatLimitEventData = { accountId: event.data.accountId, seatLimit: event.data.seatLimit, version: recorded.revision };
      const subject = event.type === 'AccountOpened' ? IdentityEvents.accountOpened : IdentityEvents.seatLimitChanged;
      return toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, accountId: event.data.accountId } }, subject, { ...data });
    }
    default:
      return null;
  }
};

/** The public facts of client access: a mail to send (notifications), a login that became active (clients). */
const clientAccessIntegrationEvent: IntegrationEventMapper = (recorded) => {
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
};

/** The public facts of staff members: a mail to send them (a password reset link). */
const staffIntegrationEvent: IntegrationEventMapper = (recorded) => {
  if (!recorded.streamName.startsWith('staff-')) return null;
  const event = domainEvent<StaffMemberEvent>(recorded);
  if (event.type !== 'StaffPasswordResetIssued') return null;
  const { userId, accountId, tokenId } = event.data;
  const data: StaffMailRequestedEventData = { mailId: recorded.id, kind: 'password_reset', userId, accountId, tokenId };
  return toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, accountId } }, IdentityEvents.staffMailRequested, { ...data });
};

/** The public facts of identity: what other services may react to. */
export const identityIntegrationEvents: IntegrationEventMapper = (recorded) =>
  accountIntegrationEvent(recorded) ?? clientAccessIntegrationEvent(recorded) ?? staffIntegrationEvent(recorded);
