import { IdentityEvents } from '@clientele/identity/contracts';
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
  async health(): Promise<{ status: 'ok' }> {
    await this.deps.documents.ping();
    return { status: 'ok' };
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
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
  }
}
