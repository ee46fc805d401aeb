import { Message, MessagingSubjects } from '@clientele/messaging/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { requireClient } from '../../authorization';
import type { Messaging } from '../../messaging';
import { MESSAGING } from '../../messaging.deps';

/** The client app's own thread. */
@Controller()
export class ThreadForClientMessageController {
  constructor(@Inject(MESSAGING) private readonly messaging: Messaging) {}

  @MessagePattern(MessagingSubjects.threadForClient)
  async threadForClient(@Payload() envelope: RequestEnvelope<Record<string, never>>): Promise<{ items: Message[] }> {
    const actor = requireClient(envelope.actor);
    // An offline client sees nothing (architecture.md).
    const policy = await this.messaging.policy(actor.id);
    if (!policy || policy.type === 'offline') return { items: [] };
    return { items: await this.messaging.thread(actor.id) };
  }
}
