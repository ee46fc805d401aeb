import { DevMailboxItem, NotificationsSubjects } from '@clientele/notifications/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { NOTIFICATIONS_DEPS, NotificationsDeps } from '../../notifications.deps';

@Controller()
export class DevMailboxMessageController {
  constructor(@Inject(NOTIFICATIONS_DEPS) private readonly deps: NotificationsDeps) {}

  @MessagePattern(NotificationsSubjects.devMailbox)
  async devMailbox(@Payload() envelope: RequestEnvelope<{ to: string }>): Promise<{ items: DevMailboxItem[] }> {
    if (!this.deps.devMailbox) throw new AppError(ErrorCodes.notFound, 'There is no dev mailbox here: mail goes out for real.');
    return { items: await this.deps.devMailbox.list(envelope.data.to) };
  }
}
