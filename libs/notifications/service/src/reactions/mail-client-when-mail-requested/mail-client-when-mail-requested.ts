import { IdentityEvents, type IdentityIntegrationEvents } from '@clientele/identity/contracts';
import { reactionsTo, type Reaction } from '@clientele/platform/application';
import { MAIL_CONSUMER, type SendClientMail } from '../../send-client-mail';

const onIdentity = reactionsTo<IdentityIntegrationEvents>();

/** Identity's mail requests (invitations, login details, password resets, access restored): one mail each. */
export function mailClientWhenMailRequested(mails: SendClientMail): Reaction {
  return onIdentity({ durableName: MAIL_CONSUMER, sourceService: 'identity', subjects: [IdentityEvents.mailRequested], ...mails.retries }, (event) => mails.handle(event));
}
