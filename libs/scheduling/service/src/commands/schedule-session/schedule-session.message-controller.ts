import { IdentitySubjects, type StaffMemberView } from '@clientele/identity/contracts';
import { commandIdFor, commandMetadata, handleAndWait, latestPosition, waitForProjections } from '@clientele/platform/application';
import { requireStaff, type RequestActor, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Money, SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { SESSIONS, SessionDoc, toSessionView } from '../../read-models/documents';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling, sessionNotFound } from '../../scheduling';

export interface ScheduleSessionRequest {
  clientId: string;
  coachId?: string;
  start: string;
  durationMinutes: number;
  online?: boolean;
  location?: string | null;
  price?: Money;
}

export interface RescheduleSessionRequest {
  sessionId: string;
  start?: string;
  durationMinutes?: number;
  online?: boolean;
  location?: string | null;
}

/** Schedule, reschedule, cancel and complete sessions; read one. */
@Controller()
export class SessionsMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.scheduleSession)
  async schedule(@Payload() envelope: RequestEnvelope<ScheduleSessionRequest>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    const data = envelope.data;
    await this.scheduling.visibleClient(actor, data.clientId, envelope.correlationId);
    const coachId = await this.resolveCoach(actor, data.coachId, envelope.correlationId);
    const sessionId = randomUUID();
    const result = await this.scheduling.calendar(
      coachId,
      {
        type: 'ScheduleSession',
        sessionId,
        accountId: actor.accountId,
        coachId,
        clientId: data.clientId,
        start: data.start,
        durationMinutes: data.durationMinutes,
        online: data.online ?? false,
        location: data.location ?? null,
        price: data.price ?? { amount: 0, currency: 'EUR' },
        now: new Date().toISOString(),
      },
      commandIdFor(envelope, (key) => `schedule:${actor.id}:${key}`, `schedule:${sessionId}`),
      commandMetadata(envelope, actor),
    );
    const scheduled = result.events.find((e) => e.type === 'SessionScheduled');
    if (!scheduled) throw new Error('no session was recorded');
    await waitForProjections(result.position, this.scheduling.views);
    return this.view(scheduled.data.sessionId);
  }

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
        { type: 'RescheduleSession', sessionId, start, durationMinutes, online, location, now: new Date().toISOString() },
        randomUUID(),
        commandMetadata(envelope, actor),
      ),
      this.scheduling.views,
    );
    return this.view(sessionId);
  }

  @MessagePattern(SchedulingSubjects.cancelSession)
  async cancel(@Payload() envelope: RequestEnvelope<{ sessionId: string; reason?: string | null }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    const doc = await this.scheduling.visibleSession(actor, envelope.data.sessionId, envelope.correlationId);
    await handleAndWait(
      this.scheduling.calendar(
        doc.coachId,
        { type: 'CancelSession', sessionId: doc.id, reason: envelope.data.reason ?? null, now: new Date().toISOString() },
        `cancel:${doc.id}`,
        commandMetadata(envelope, actor),
      ),
      this.scheduling.views,
    );
    return this.view(doc.id);
  }

  /** Completing (or marking a no-show) consumes one session of the client's active bundle, if any. */
  @MessagePattern(SchedulingSubjects.completeSession)
  async complete(@Payload() envelope: RequestEnvelope<{ sessionId: string; attended?: boolean }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    const doc = await this.scheduling.visibleSession(actor, envelope.data.sessionId, envelope.correlationId);
    const metadata = commandMetadata(envelope, actor);
    const result = await this.scheduling.calendar(
      doc.coachId,
      { type: 'CompleteSession', sessionId: doc.id, attended: envelope.data.attended ?? true, now: new Date().toISOString() },
      `complete:${doc.id}`,
      metadata,
    );
    const completed = result.events.find((e) => e.type === 'SessionCompleted');
    let consumed = null;
    if (completed && completed.type === 'SessionCompleted') consumed = await this.scheduling.consumeBundleSession(doc.coachId, completed.data, metadata);
    await waitForProjections(latestPosition(result.position, consumed), this.scheduling.views);
    return this.view(doc.id);
  }

  @MessagePattern(SchedulingSubjects.getSession)
  async get(@Payload() envelope: RequestEnvelope<{ sessionId: string }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    return toSessionView(await this.scheduling.visibleSession(actor, envelope.data.sessionId, envelope.correlationId));
  }

  private async view(sessionId: string): Promise<SessionView> {
    const doc = await this.scheduling.deps.documents.collection<SessionDoc>(SESSIONS).get(sessionId);
    if (!doc) throw sessionNotFound();
    return toSessionView(doc);
  }

  /** A coach books their own calendar; an admin may book any staff member of the account (default: themselves). */
  private async resolveCoach(actor: RequestActor, requested: string | undefined, correlationId?: string): Promise<string> {
    if (requested === undefined || requested === actor.id) return actor.id;
    if (actor.role !== 'admin') throw new AppError(ErrorCodes.forbidden, 'A coach books sessions in their own calendar; only an administrator can book another coach.');
    const unknownCoach = new AppError(ErrorCodes.validationFailed, 'The chosen coach is not a staff member of this business.', [
      { field: 'coachId', message: 'is not a staff member of this account' },
    ]);
    try {
      const staff = await this.scheduling.deps.requests.request<StaffMemberView>(IdentitySubjects.getStaffMember, { correlationId, data: { userId: requested } });
      if (staff.accountId !== actor.accountId) throw unknownCoach;
      return staff.id;
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCodes.notFound) throw unknownCoach;
      throw error;
    }
  }
}
