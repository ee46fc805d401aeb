import { ServiceLifecycle } from '@clientele/platform/application';
import { DynamicModule, Module } from '@nestjs/common';
import { SendAsClientMessageController } from './commands/send-as-client/send-as-client.message-controller';
import { SendAsCoachMessageController } from './commands/send-as-coach/send-as-coach.message-controller';
import { Messaging } from './messaging';
import { MESSAGING, MessagingDeps } from './messaging.deps';
import { MessagingHealthMessageController } from './queries/health/health.message-controller';
import { ThreadForClientMessageController } from './queries/thread-for-client/thread-for-client.message-controller';
import { ThreadForCoachMessageController } from './queries/thread-for-coach/thread-for-coach.message-controller';
import { followRosterWhenClientsChange } from './reactions/follow-roster-when-clients-change/follow-roster-when-clients-change';
import { MESSAGES } from './read-models/messages.projection';

/** Coach <-> client threads under the client-type policy. Answers `messaging.*`, publishes `messaging.thread.*`. */
@Module({})
export class MessagingModule {

  static register(deps: MessagingDeps): DynamicModule {
    const messaging = new Messaging(deps);
    const lifecycle = new ServiceLifecycle({
      documents: deps.documents,
      bus: deps.bus,
      indexes: [{ collection: MESSAGES, indexes: [{ fields: [['clientId', 1], ['position', 1]] }] }],
      runners: [messaging.views, messaging.outbox],
      reactions: [followRosterWhenClientsChange(messaging)],
    });
    return {
      module: MessagingModule,
      controllers: [
        SendAsCoachMessageController,
        SendAsClientMessageController,
        ThreadForCoachMessageController,
        ThreadForClientMessageController,
        MessagingHealthMessageController,
      ],
      providers: [
        { provide: MESSAGING, useValue: messaging },
        { provide: ServiceLifecycle, useValue: lifecycle },
      ],
    };
  }
}
