import { commandIdFor, commandMetadata, handleAndWait } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Money, SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

/** A session paid on its own (its price, or the amount given). */
@Controller()
export class RecordPaymentMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.recordPayment)
  async record(@Payload() envelope: RequestEnvelope<{ sessionId: string; amount?: Money }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    const doc = await this.scheduling.visibleSession(actor, envelope.data.sessionId, envelope.correlationId);
    await handleAndWait(
      this.scheduling.calendar(
        doc.coachId,
        { type: 'RecordPayment', sessionId: doc.id, amount: envelope.data.amount, metadata: { now: new Date().toISOString() } },
        commandIdFor(envelope, (key) => `pay:${doc.id}:${key}`),
        commandMetadata(envelope, actor),
      ),
      this.scheduling.views,
    );
    return this.scheduling.sessionView(doc.id);
  }
}
