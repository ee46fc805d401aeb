import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes, type Page } from '@clientele/platform/core';
import type { Filter, Sort } from '@clientele/platform/document-store';
import { ClientSessionSummary, CoachAgenda, SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PROGRAMS, ProgramDoc, SESSIONS, SessionDoc, toSessionView } from '../../read-models/documents';
import { agendaWindows, isTimeZone, sessionSummary } from '../../read-models/kpis';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

export type When = 'upcoming' | 'past';

/**
 * Upcoming: scheduled and not started yet, soonest first. Past: everything else (held, no-shows,
 * cancelled, and scheduled sessions whose start has passed without being completed), latest first.
 */
function whenFilter(when: When | undefined, now: string): { filter: Filter; sort: Sort } {
  if (when === 'upcoming') return { filter: { status: 'scheduled', start: { $gte: now } }, sort: [['start', 1], ['id', 1]] };
  if (when === 'past') return { filter: { $or: [{ status: { $ne: 'scheduled' } }, { start: { $lt: now } }] }, sort: [['start', -1], ['id', 1]] };
  return { filter: {}, sort: [['start', 1], ['id', 1]] };
}

/** Session lists per client and per coach, the Overview KPIs, and the coach home's agenda. */
@Controller()
export class ListsMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.clientSessions)
  async clientSessions(@Payload() envelope: RequestEnvelope<{ clientId: string; when?: When; page: number; pageSize: number }>): Promise<Page<SessionView>> {
    const actor = requireStaff(envelope.actor);
    const { clientId, when, page, pageSize } = envelope.data;
    await this.scheduling.visibleClient(actor, clientId, envelope.correlationId);
    const { filter, sort } = whenFilter(when, new Date().toISOString());
    return this.page({ ...filter, clientId, accountId: actor.accountId }, sort, page, pageSize);
  }

  /** A coach's own sessions; an admin's, or any coach's of the account with `coachId`. */
  @MessagePattern(SchedulingSubjects.coachSessions)
  async coachSessions(
    @Payload() envelope: RequestEnvelope<{ coachId?: string; when?: When; from?: string; to?: string; page: number; pageSize: number }>,
  ): Promise<Page<SessionView>> {
    const actor = requireStaff(envelope.actor);
    const { coachId, when, from, to, page, pageSize } = envelope.data;
    if (actor.role === 'coach' && coachId !== undefined && coachId !== actor.id) {
      throw new AppError(ErrorCodes.forbidden, 'A coach sees their own calendar; only an administrator can read another coach’s.');
    }
    const { filter, sort } = whenFilter(when, new Date().toISOString());
    const range: Record<string, string> = {};
    if (from !== undefined) range.$gte = from;
    if (to !== undefined) range.$lt = to;
    const scoped: Filter = { accountId: actor.accountId, coachId: coachId ?? actor.id };
    const conditions: Filter[] = [filter, scoped];
    if (Object.keys(range).length) conditions.push({ start: range });
    return this.page({ $and: conditions }, sort, page, pageSize);
  }

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

  @MessagePattern(SchedulingSubjects.clientSessionSummary)
  async summary(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<ClientSessionSummary> {
    const actor = requireStaff(envelope.actor);
    const { clientId } = envelope.data;
    await this.scheduling.visibleClient(actor, clientId, envelope.correlationId);
    const [sessions, programs] = await Promise.all([
      this.scheduling.deps.documents.collection<SessionDoc>(SESSIONS).find({ clientId, accountId: actor.accountId }),
      this.scheduling.deps.documents.collection<ProgramDoc>(PROGRAMS).find({ clientId, accountId: actor.accountId }),
    ]);
    return sessionSummary(sessions, programs, new Date());
  }

  private async page(filter: Filter, sort: Sort, page: number, pageSize: number): Promise<Page<SessionView>> {
    const sessions = this.scheduling.deps.documents.collection<SessionDoc>(SESSIONS);
    const [docs, total] = await Promise.all([sessions.find(filter, { sort, skip: (page - 1) * pageSize, limit: pageSize }), sessions.count(filter)]);
    return { items: docs.map(toSessionView), page, pageSize, total };
  }
}
