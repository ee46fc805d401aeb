import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { CoachAgenda, SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { SESSIONS, SessionDoc, toSessionView } from '../../read-models/documents';
import { agendaWindows, isTimeZone } from '../../read-models/kpis';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

@Controller()
export class CoachAgendaMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  /** Coach home: today's and this week's sessions (not cancelled) in the coach's time zone (UTC unless given). */
  @MessagePattern(SchedulingSubjects.coachAgenda)
  async agenda(@Payload() envelope: RequestEnvelope<{ timezone?: string }>): Promise<CoachAgenda> {
    const actor = requireStaff(envelope.actor);
    const timezone = envelope.data.timezone ?? 'UTC';
    if (!isTimeZone(timezone)) {
      throw new AppError(ErrorCodes.validationFailed, 'The time zone must be an IANA name such as Europe/Paris.', [{ field: 'tz', message: 'is not an IANA time zone' }]);
    }
    const windows = agendaWindows(new Date(), timezone);
    const sessions = this.scheduling.deps.documents.collection<SessionDoc>(SESSIONS);
    const within = async (w: { from: string; to: string }) =>
      (await sessions.find({ accountId: actor.accountId, coachId: actor.id, status: { $ne: 'cancelled' }, start: { $gte: w.from, $lt: w.to } }, { sort: [['start', 1], ['id', 1]] })).map(toSessionView);
    const [today, week] = await Promise.all([within(windows.today), within(windows.week)]);
    return { timezone, today: { ...windows.today, items: today }, week: { ...windows.week, items: week } };
  }
}
