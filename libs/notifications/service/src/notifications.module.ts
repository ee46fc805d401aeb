import { ServiceLifecycle } from '@clientele/platform/application';
import { DynamicModule, Module } from '@nestjs/common';
import { countedSender } from './mail/counted-sender';
import { NOTIFICATIONS_DEPS, NotificationsDeps } from './notifications.deps';
import { DevMailboxMessageController } from './queries/dev-mailbox/dev-mailbox.message-controller';
import { NotificationsHealthMessageController } from './queries/health/health.message-controller';
import { mailClientWhenMailRequested } from './reactions/mail-client-when-mail-requested/mail-client-when-mail-requested';
import { mailClientWhenMessageSent } from './reactions/mail-client-when-message-sent/mail-client-when-message-sent';
import { mailStaffWhenMailRequested } from './reactions/mail-staff-when-mail-requested/mail-staff-when-mail-requested';
import { SendClientMail } from './send-client-mail';
import { SendStaffMail } from './send-staff-mail';

const NOTIFICATIONS_LIFECYCLE = Symbol('NotificationsLifecycle');

/** E-mail: reacts to identity's mail requests and to coaches' messages (and later billing's). */
@Module({})
export class NotificationsModule {

  static register(given: NotificationsDeps): DynamicModule {
    const deps: NotificationsDeps = { ...given, sender: countedSender(given.sender, given.onMailOutcome) };
    const mails = new SendClientMail(deps);
    const staffMails = new SendStaffMail(deps);
    const lifecycle = new ServiceLifecycle({
      documents: deps.documents,
      bus: deps.bus,
      reactions: [mailClientWhenMailRequested(mails), mailClientWhenMessageSent(mails), mailStaffWhenMailRequested(staffMails)],
    });
    return {
      module: NotificationsModule,
      controllers: [DevMailboxMessageController, NotificationsHealthMessageController],
      providers: [
        { provide: NOTIFICATIONS_DEPS, useValue: deps },
        { provide: NOTIFICATIONS_LIFECYCLE, useValue: lifecycle },
      ],
    };
  }
}
