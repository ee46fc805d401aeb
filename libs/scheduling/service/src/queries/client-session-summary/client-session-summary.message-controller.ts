import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { ClientSessionSummary, SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PROGRAMS, ProgramDoc, SESSIONS, SessionDoc } from '../../read-models/documents';
import { sessionSummary } from '../../read-models/kpis';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

/** The client's Overview KPIs. */
@Controller()
export class ClientSessionSummaryMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

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
}
