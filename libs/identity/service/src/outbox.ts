import { IdentityEvents, SeatLimitEventData } from '@clientele/identity/contracts';
import type { AccountEvent } from '@clientele/identity/domain';
import { IntegrationEventMapper, toIntegrationEvent, domainEvent } from '@clientele/platform/application';

/** The public facts of identity: what other services may react to. */
export const identityIntegrationEvents: IntegrationEventMapper = (recorded) => {
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
