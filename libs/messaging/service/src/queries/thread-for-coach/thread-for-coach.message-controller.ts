import { Message, MessagingSubjects } from '@clientele/messaging/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { Messaging } from '../../messaging';
import { MESSAGING } from '../../messaging.deps';

/** A client's thread, for a coach (or an admin) who may see the client. */
@Controller()
export class ThreadForCoachMessageController {
  constructor(@Inject(MESSAGING) private readonly messaging: Messaging) {}

  @MessagePattern(MessagingSubjects.threadForCoach)
  async threadForCoach(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<{ items: Message[] }> {
    const actor = requireStaff(envelope.actor);
    await this.messaging.visiblePolicy(actor, envelope.data.clientId);
    return { items: await this.messaging.thread(envelope.data.clientId) };
  }
}
