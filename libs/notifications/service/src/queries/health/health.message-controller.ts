import { ServiceHealth, WorkHealth } from '@clientele/platform/application';
import { NotificationsSubjects } from '@clientele/notifications/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { NOTIFICATIONS_DEPS, NotificationsDeps } from '../../notifications.deps';

@Controller()
export class NotificationsHealthMessageController {
  constructor(@Inject(NOTIFICATIONS_DEPS) private readonly deps: NotificationsDeps) {}

  @MessagePattern(NotificationsSubjects.health)
  async health(): Promise<ServiceHealth> {
    await this.deps.documents.ping();
    // Answers even while a processor or consumer keeps failing: the gateway's /health reports it.
    return WorkHealth.process.report('notifications');
  }
}
