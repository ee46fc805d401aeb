import { commandMetadata, latestPosition, waitForProjections } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

@Controller()
export class CompleteSessionMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  /** Completing (or marking a no-show) consumes one session of the client's active bundle, if any. */
  @MessagePattern(SchedulingSubjects.completeSession)
  async complete(@Payload() envelope: RequestEnvelope<{ sessionId: string; attended?: boolean }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    const doc = await this.scheduling.visibleSession(actor, envelope.data.sessionId, envelope.correlationId);
    const metadata = commandMetadata(envelope, actor);
    const result = await this.scheduling.calendar(
      doc.coachId,
      { type: 'CompleteSession', sessionId: doc.id, attended: envelope.data.attended ?? true, metadata: { now: new Date().toISOString() } },
      `complete:${doc.id}`,
      metadata,
    );
    const completed = result.events.find((e) => e.type === 'SessionCompleted');
    let consumed = null;
    if (completed && completed.type === 'SessionCompleted') consumed = await this.scheduling.consumeBundleSession(doc.coachId, completed.data, metadata);
    await waitForProjections(latestPosition(result.position, consumed), this.scheduling.views);
    return this.scheduling.sessionView(doc.id);
  }
}
