import { MessagingSubjects } from '@clientele/messaging/contracts';
import { ServiceHealth, WorkHealth } from '@clientele/platform/application';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { Messaging } from '../../messaging';
import { MESSAGING } from '../../messaging.deps';

@Controller()
export class MessagingHealthMessageController {
  constructor(@Inject(MESSAGING) private readonly messaging: Messaging) {}

  @MessagePattern(MessagingSubjects.health)
  async health(): Promise<ServiceHealth> {
    await Promise.all([this.messaging.deps.events.ping(), this.messaging.deps.documents.ping()]);
    // Answers even while a processor or consumer keeps failing: the gateway's /health reports it.
    return WorkHealth.process.report('messaging');
  }
}
