import { commandMetadata, handleAndWait } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

export interface RescheduleSessionRequest {
  sessionId: string;
  start?: string;
  durationMinutes?: number;
  online?: boolean;
  location?: string | null;
}

@Controller()
export class RescheduleSessionMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.rescheduleSession)
  async reschedule(@Payload() envelope: RequestEnvelope<RescheduleSessionRequest & { expectedVersion?: number }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    const { sessionId, start, durationMinutes, online, location, expectedVersion } = envelope.data;
    const doc = await this.scheduling.visibleSession(actor, sessionId, envelope.correlationId);
    if (expectedVersion !== undefined && expectedVersion !== doc.version) {
      throw new AppError(ErrorCodes.concurrencyConflict, 'This session changed since you read it; reload it and try again.');
    }
    // A deleted client's sessions do not move: a new place would be sealed with a new key, after
    // their personal data was erased.
    await this.scheduling.visibleClient(actor, doc.clientId, envelope.correlationId);
    await handleAndWait(
      this.scheduling.calendar(
        doc.coachId,
        { type: 'RescheduleSession', sessionId, start, durationMinutes, online, location, metadata: { now: new Date().toISOString() } },
        randomUUID(),
        commandMetadata(envelope, actor),
      ),
      this.scheduling.views,
    );
    return this.scheduling.sessionView(sessionId);
  }
}
