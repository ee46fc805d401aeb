import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes, type Page } from '@clientele/platform/core';
import type { Filter } from '@clientele/platform/document-store';
import { SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { When, sessionPage, whenFilter } from '../../read-models/session-lists';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

@Controller()
export class CoachSessionsMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

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
    return sessionPage(this.scheduling.deps.documents, { $and: conditions }, sort, page, pageSize);
  }
}
