import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import type { Page } from '@clientele/platform/core';
import { ClientPaymentSummary, Money, PaymentView, SchedulingSubjects, SessionView } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { SESSIONS, SessionDoc, paymentOf, toSessionView } from '../../read-models/documents';
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
    const result = await this.scheduling.calendar(
      doc.coachId,
      { type: 'RecordPayment', sessionId: doc.id, amount: envelope.data.amount, now: new Date().toISOString() },
      envelope.idempotencyKey ? `pay:${doc.id}:${envelope.idempotencyKey}` : randomUUID(),
      { correlationId: envelope.correlationId, actor: { id: actor.id, role: actor.role }, accountId: actor.accountId },
    );
    await this.scheduling.waitForViews(result.position);
    return this.view(doc.id);
  }

  @MessagePattern(SchedulingSubjects.refundPayment)
  async refund(@Payload() envelope: RequestEnvelope<{ sessionId: string }>): Promise<SessionView> {
    const actor = requireStaff(envelope.actor);
    const doc = await this.scheduling.visibleSession(actor, envelope.data.sessionId, envelope.correlationId);
    const result = await this.scheduling.calendar(
      doc.coachId,
      { type: 'RefundPayment', sessionId: doc.id, now: new Date().toISOString() },
      envelope.idempotencyKey ? `refund:${doc.id}:${envelope.idempotencyKey}` : randomUUID(),
      { correlationId: envelope.correlationId, actor: { id: actor.id, role: actor.role }, accountId: actor.accountId },
    );
    await this.scheduling.waitForViews(result.position);
    return this.view(doc.id);
  }

  /** One row per session with something to pay: newest session first. */
  @MessagePattern(SchedulingSubjects.clientPayments)
  async list(@Payload() envelope: RequestEnvelope<{ clientId: string; status?: PaymentView['status']; page: number; pageSize: number }>): Promise<Page<PaymentView>> {
    const actor = requireStaff(envelope.actor);
    const { clientId, status, page, pageSize } = envelope.data;
    await this.scheduling.visibleClient(actor, clientId, envelope.correlationId);
    const docs = await this.scheduling.deps.documents.collection<SessionDoc>(SESSIONS).find({ clientId, accountId: actor.accountId }, { sort: [['start', -1], ['id', 1]] });
    const rows = docs.flatMap((doc) => {
      const payment = paymentOf(doc);
      return payment && (status === undefined || payment.status === status) ? [{ sessionId: doc.id, sessionStart: doc.start, sessionStatus: doc.status, ...payment }] : [];
    });
    return { items: rows.slice((page - 1) * pageSize, page * pageSize), page, pageSize, total: rows.length };
  }

  @MessagePattern(SchedulingSubjects.clientPaymentSummary)
  async summary(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<ClientPaymentSummary> {
    const actor = requireStaff(envelope.actor);
    await this.scheduling.visibleClient(actor, envelope.data.clientId, envelope.correlationId);
    const docs = await this.scheduling.deps.documents.collection<SessionDoc>(SESSIONS).find({ clientId: envelope.data.clientId, accountId: actor.accountId });
    return paymentSummary(docs, new Date());
  }

  private async view(sessionId: string): Promise<SessionView> {
    const doc = await this.scheduling.deps.documents.collection<SessionDoc>(SESSIONS).get(sessionId);
    if (!doc) throw sessionNotFound();
    return toSessionView(doc);
  }
}
