import { ServiceHealth, WorkHealth } from '@clientele/platform/application';
import { IdentityEvents } from '@clientele/identity/contracts';
import { MessagingEvents, type MessageSentEventData } from '@clientele/messaging/contracts';
import { DevMailboxItem, NotificationsSubjects } from '@clientele/notifications/contracts';
import { EventConsumer, RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { NOTIFICATIONS_DEPS, NotificationsDeps } from './notifications.deps';
import { MAIL_CONSUMER, SendClientMail } from './send-client-mail';

@Controller()
class NotificationsMessageController {
  constructor(@Inject(NOTIFICATIONS_DEPS) private readonly deps: NotificationsDeps) {}

  @MessagePattern(NotificationsSubjects.devMailbox)
  async devMailbox(@Payload() envelope: RequestEnvelope<{ to: string }>): Promise<{ items: DevMailboxItem[] }> {
    if (!this.deps.devMailbox) throw new AppError(ErrorCodes.notFound, 'There is no dev mailbox here: mail goes out for real.');
    return { items: await this.deps.devMailbox.list(envelope.data.to) };
  }

  @MessagePattern(NotificationsSubjects.health)
  async health(): Promise<ServiceHealth> {
    await this.deps.documents.ping();
    // Answers even while a processor or consumer keeps failing: the gateway's /health reports it.
    return WorkHealth.process.report('notifications');
  }
}

/** E-mail: reacts to identity's mail requests (and later billing's and messaging's). */
@Module({})
export class NotificationsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumers: EventConsumer[] = [];
  private started = false;

  constructor(@Inject(NOTIFICATIONS_DEPS) private readonly deps: NotificationsDeps) {}

  static register(deps: NotificationsDeps): DynamicModule {
    return { module: NotificationsModule, controllers: [NotificationsMessageController], providers: [{ provide: NOTIFICATIONS_DEPS, useValue: deps }] };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const mails = new SendClientMail(this.deps);
    this.consumers.push(
      await this.deps.bus.consume(
        {
          durableName: MAIL_CONSUMER,
          sourceService: 'identity',
          subjects: [IdentityEvents.mailRequested],
          // 429 / 5xx: back off exponentially, then dead-letter.
          maxDeliveries: 6,
          retryDelaysMs: this.deps.retryDelaysMs ?? [1000, 2000, 4000, 8000, 16000],
        },
        (event) => mails.handle(event),
      ),
    );
    await this.consumeMessages(mails);
  }

  /** "New message from your coach", at most one per thread per 15 minutes. */
  private async consumeMessages(mails: SendClientMail): Promise<void> {
    this.consumers.push(
      await this.deps.bus.consume(
        { durableName: 'notifications--messaging', sourceService: 'messaging', subjects: [MessagingEvents.messageSent], maxDeliveries: 6, retryDelaysMs: this.deps.retryDelaysMs ?? [1000, 2000, 4000, 8000, 16000] },
        async (event) => {
          const sent = event.data as unknown as MessageSentEventData;
          if (sent.from !== 'coach') return;
          await mails.handleThrottled(event, { mailId: event.id, kind: 'new_message', clientId: sent.clientId, accountId: sent.accountId }, Date.parse(sent.sentAt), 15 * 60 * 1000);
        },
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
  }
}
