import { Message, MessagingSubjects } from '@clientele/messaging/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { Messaging } from '../../messaging';
import { MESSAGING } from '../../messaging.deps';

/** A coach (or an admin) writes to a client they may see, under the client's current policy. */
@Controller()
export class SendAsCoachMessageController {
  constructor(@Inject(MESSAGING) private readonly messaging: Messaging) {}

  @MessagePattern(MessagingSubjects.sendAsCoach)
  async sendAsCoach(@Payload() envelope: RequestEnvelope<{ clientId: string; body: string }>): Promise<Message> {
    const actor = requireStaff(envelope.actor);
    const policy = await this.messaging.visiblePolicy(actor, envelope.data.clientId);
    return this.messaging.send(policy, envelope.data.clientId, 'coach', actor, envelope);
  }
}
