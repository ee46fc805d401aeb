import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import type { Page } from '@clientele/platform/core';
import { ProgramView, SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PROGRAMS, ProgramDoc, toProgramView } from '../../read-models/documents';
import { SCHEDULING } from '../../scheduling.deps';
import type { Scheduling } from '../../scheduling';

/** Programs: the client's bundles of sessions, active or completed. */
@Controller()
export class ClientProgramsMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  /** Active programs first (oldest first: the one sessions are taken from leads), then completed ones. */
  @MessagePattern(SchedulingSubjects.clientPrograms)
  async list(@Payload() envelope: RequestEnvelope<{ clientId: string; status?: ProgramView['status']; page: number; pageSize: number }>): Promise<Page<ProgramView>> {
    const actor = requireStaff(envelope.actor);
    const { clientId, status, page, pageSize } = envelope.data;
    await this.scheduling.visibleClient(actor, clientId, envelope.correlationId);
    const now = new Date();
    const docs = await this.scheduling.deps.documents.collection<ProgramDoc>(PROGRAMS).find({ clientId, accountId: actor.accountId }, { sort: [['createdAt', 1], ['id', 1]] });
    const views = docs.map((d) => toProgramView(d, now)).filter((p) => status === undefined || p.status === status);
    const ordered = [...views.filter((p) => p.status === 'active'), ...views.filter((p) => p.status === 'completed')];
    return { items: ordered.slice((page - 1) * pageSize, page * pageSize), page, pageSize, total: ordered.length };
  }
}
