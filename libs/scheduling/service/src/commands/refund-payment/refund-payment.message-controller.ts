import { commandIdFor, commandMetadata, handleAndWait } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

@Controller()
export class RefundPaymentMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.refundPayment)
  async refund(@Payload() envelope: RequestEnvelope<{ sessionId: string }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    const doc = await this.scheduling.visibleSession(actor, envelope.data.sessionId, envelope.correlationId);
    await handleAndWait(
      this.scheduling.calendar(
        doc.coachId,
        { type: 'RefundPayment', sessionId: doc.id, metadata: { now: new Date().toISOString() } },
        commandIdFor(envelope, (key) => `refund:${doc.id}:${key}`),
        commandMetadata(envelope, actor),
      ),
      this.scheduling.views,
    );
    return this.scheduling.sessionView(doc.id);
  }
}
