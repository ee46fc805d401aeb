import { IdentityEvents, type IdentityIntegrationEvents } from '@clientele/identity/contracts';
import { reactionsTo, type Reaction } from '@clientele/platform/application';
import { STAFF_MAIL_CONSUMER, type SendStaffMail } from '../../send-staff-mail';

const onIdentity = reactionsTo<IdentityIntegrationEvents>();

/** Identity's mail requests for staff members (password reset links): one mail each. */
export function mailStaffWhenMailRequested(mails: SendStaffMail): Reaction {
  return onIdentity({ durableName: STAFF_MAIL_CONSUMER, sourceService: 'identity', subjects: [IdentityEvents.staffMailRequested], ...mails.retries }, (event) => mails.handle(event));
}
