import { IdentitySubjects, type StaffMemberView } from '@clientele/identity/contracts';
import { commandIdFor, commandMetadata, waitForProjections } from '@clientele/platform/application';
import { requireStaff, type RequestActor, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Money, SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

export interface ScheduleSessionRequest {
  clientId: string;
  coachId?: string;
  start: string;
  durationMinutes: number;
  online?: boolean;
  location?: string | null;
  price?: Money;
}

@Controller()
export class ScheduleSessionMessageController {
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
        metadata: { now: new Date().toISOString() },
      },
      commandIdFor(envelope, (key) => `schedule:${actor.id}:${key}`, `schedule:${sessionId}`),
      commandMetadata(envelope, actor),
    );
    const scheduled = result.events.find((e) => e.type === 'SessionScheduled');
    if (!scheduled) throw new Error('no session was recorded');
    await waitForProjections(result.position, this.scheduling.views);
    return this.scheduling.sessionView(scheduled.data.sessionId);
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
