import { commandIdFor, commandMetadata, handleAndWait } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import type { Page } from '@clientele/platform/core';
import { ClientPaymentSummary, Money, PaymentView, SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PROGRAMS, ProgramDoc, SESSIONS, SessionDoc, paymentOf, programPaymentOf, toSessionView } from '../../read-models/documents';
import { paymentSummary } from '../../read-models/kpis';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling, sessionNotFound } from '../../scheduling';

/** Payments per session (paid, pending, refunded), the client's payment list and Finances KPIs. */
@Controller()
export class PaymentsMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.recordPayment)
  async record(@Payload() envelope: RequestEnvelope<{ sessionId: string; amount?: Money }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    const doc = await this.scheduling.visibleSession(actor, envelope.data.sessionId, envelope.correlationId);
    await handleAndWait(
      this.scheduling.calendar(
        doc.coachId,
        { type: 'RecordPayment', sessionId: doc.id, amount: envelope.data.amount, now: new Date().toISOString() },
        commandIdFor(envelope, (key) => `pay:${doc.id}:${key}`),
        commandMetadata(envelope, actor),
      ),
      this.scheduling.views,
    );
    return this.view(doc.id);
  }

  @MessagePattern(SchedulingSubjects.refundPayment)
  async refund(@Payload() envelope: RequestEnvelope<{ sessionId: string }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    const doc = await this.scheduling.visibleSession(actor, envelope.data.sessionId, envelope.correlationId);
    await handleAndWait(
      this.scheduling.calendar(
        doc.coachId,
        { type: 'RefundPayment', sessionId: doc.id, now: new Date().toISOString() },
        commandIdFor(envelope, (key) => `refund:${doc.id}:${key}`),
        commandMetadata(envelope, actor),
      ),
      this.scheduling.views,
    );
    return this.view(doc.id);
  }

  /** One row per session or bundle with something to pay: newest first (a session by its start, a bundle by its creation). */
  @MessagePattern(SchedulingSubjects.clientPayments)
  async list(@Payload() envelope: RequestEnvelope<{ clientId: string; status?: PaymentView['status']; page: number; pageSize: number }>): Promise<Page<PaymentView>> {
    const actor = requireStaff(envelope.actor);
    const { clientId, status, page, pageSize } = envelope.data;
    await this.scheduling.visibleClient(actor, clientId, envelope.correlationId);
    const { documents } = this.scheduling.deps;
    const [sessions, programs] = await Promise.all([
      documents.collection<SessionDoc>(SESSIONS).find({ clientId, accountId: actor.accountId }),
      documents.collection<ProgramDoc>(PROGRAMS).find({ clientId, accountId: actor.accountId }),
    ]);
    const rows: Array<PaymentView & { at: string; id: string }> = [
      ...sessions.flatMap((doc) => {
        const payment = paymentOf(doc);
        if (!payment) return [];
        return [{ kind: 'session' as const, sessionId: doc.id, sessionStart: doc.start, sessionStatus: doc.status, bundleId: null, bundleName: null, ...payment, at: doc.start, id: doc.id }];
      }),
      ...programs.flatMap((doc) => {
        const payment = programPaymentOf(doc);
        if (!payment) return [];
        return [{ kind: 'bundle' as const, sessionId: null, sessionStart: null, sessionStatus: null, bundleId: doc.id, bundleName: doc.name, ...payment, at: doc.createdAt, id: doc.id }];
      }),
    ];
    const listed = rows
      .filter((row) => status === undefined || row.status === status)
      .sort((a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id))
      .map(({ at: _at, id: _id, ...row }) => row);
    return { items: listed.slice((page - 1) * pageSize, page * pageSize), page, pageSize, total: listed.length };
  }

  @MessagePattern(SchedulingSubjects.clientPaymentSummary)
  async summary(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<ClientPaymentSummary> {
    const actor = requireStaff(envelope.actor);
    await this.scheduling.visibleClient(actor, envelope.data.clientId, envelope.correlationId);
    const filter = { clientId: envelope.data.clientId, accountId: actor.accountId };
    const { documents } = this.scheduling.deps;
    const [sessions, programs] = await Promise.all([documents.collection<SessionDoc>(SESSIONS).find(filter), documents.collection<ProgramDoc>(PROGRAMS).find(filter)]);
    return paymentSummary(sessions, programs, new Date());
  }

  private async view(sessionId: string): Promise<SessionView> {
    const doc = await this.scheduling.deps.documents.collection<SessionDoc>(SESSIONS).get(sessionId);
    if (!doc) throw sessionNotFound();
    return toSessionView(doc);
  }
}
