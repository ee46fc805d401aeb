import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { ClientPaymentSummary, SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PROGRAMS, PURCHASES, ProgramDoc, PurchaseDoc, SESSIONS, SessionDoc } from '../../read-models/documents';
import { paymentSummary } from '../../read-models/kpis';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

/** The client's Finances KPIs. */
@Controller()
export class ClientPaymentSummaryMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.clientPaymentSummary)
  async summary(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<ClientPaymentSummary> {
    const actor = requireStaff(envelope.actor);
    await this.scheduling.visibleClient(actor, envelope.data.clientId, envelope.correlationId);
    const filter = { clientId: envelope.data.clientId, accountId: actor.accountId };
    const { documents } = this.scheduling.deps;
    const [sessions, programs, purchases] = await Promise.all([
      documents.collection<SessionDoc>(SESSIONS).find(filter),
      documents.collection<ProgramDoc>(PROGRAMS).find(filter),
      documents.collection<PurchaseDoc>(PURCHASES).find(filter),
    ]);
    return paymentSummary(sessions, programs, new Date(), undefined, purchases);
  }
}
