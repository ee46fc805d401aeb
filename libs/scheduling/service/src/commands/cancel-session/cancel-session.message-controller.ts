import { commandMetadata, handleAndWait } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

@Controller()
export class CancelSessionMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.cancelSession)
  async cancel(@Payload() envelope: RequestEnvelope<{ sessionId: string; reason?: string | null }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    const doc = await this.scheduling.visibleSession(actor, envelope.data.sessionId, envelope.correlationId);
    await handleAndWait(
      this.scheduling.calendar(
        doc.coachId,
        { type: 'CancelSession', sessionId: doc.id, reason: envelope.data.reason ?? null, metadata: { now: new Date().toISOString() } },
        `cancel:${doc.id}`,
        commandMetadata(envelope, actor),
      ),
      this.scheduling.views,
    );
    return this.scheduling.sessionView(doc.id);
  }
}
