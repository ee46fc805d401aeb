import { Message, MessagingSubjects } from '@clientele/messaging/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { requireClient } from '../../authorization';
import type { Messaging } from '../../messaging';
import { MESSAGING } from '../../messaging.deps';

/** A client writes to their coach, under their current policy. */
@Controller()
export class SendAsClientMessageController {
  constructor(@Inject(MESSAGING) private readonly messaging: Messaging) {}

  @MessagePattern(MessagingSubjects.sendAsClient)
  async sendAsClient(@Payload() envelope: RequestEnvelope<{ body: string }>): Promise<Message> {
    const actor = requireClient(envelope.actor);
    const policy = await this.messaging.policy(actor.id);
    if (!policy) throw new AppError(ErrorCodes.notFound, 'You have no thread with a coach.');
    return this.messaging.send(policy, actor.id, 'client', actor, envelope);
  }
}
