import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import type { Page } from '@clientele/platform/core';
import { SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { When, sessionPage, whenFilter } from '../../read-models/session-lists';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

/** A client's sessions, upcoming or past. */
@Controller()
export class ClientSessionsMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.clientSessions)
  async clientSessions(@Payload() envelope: RequestEnvelope<{ clientId: string; when?: When; page: number; pageSize: number }>): Promise<Page<SessionView>> {
    const actor = requireStaff(envelope.actor);
    const { clientId, when, page, pageSize } = envelope.data;
    await this.scheduling.visibleClient(actor, clientId, envelope.correlationId);
    const { filter, sort } = whenFilter(when, new Date().toISOString());
    return sessionPage(this.scheduling.deps.documents, { ...filter, clientId, accountId: actor.accountId }, sort, page, pageSize);
  }
}
