import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import type { Page } from '@clientele/platform/core';
import { PaymentView, SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PROGRAMS, PURCHASES, ProgramDoc, PurchaseDoc, SESSIONS, SessionDoc, paidSummary, paymentOf, programPaymentOf } from '../../read-models/documents';
import { SCHEDULING } from '../../scheduling.deps';
import { Scheduling } from '../../scheduling';

/** The client's payments: per session (paid, pending, refunded), per bundle, and per product bought at checkout. */
@Controller()
export class ClientPaymentsMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  /** One row per session, bundle or product purchase with something to pay: newest first (a session by its start, a bundle by its creation, a purchase by its payment). */
  @MessagePattern(SchedulingSubjects.clientPayments)
  async list(@Payload() envelope: RequestEnvelope<{ clientId: string; status?: PaymentView['status']; page: number; pageSize: number }>): Promise<Page<PaymentView>> {
    const actor = requireStaff(envelope.actor);
    const { clientId, status, page, pageSize } = envelope.data;
    await this.scheduling.visibleClient(actor, clientId, envelope.correlationId);
    const { documents } = this.scheduling.deps;
    const filter = { clientId, accountId: actor.accountId };
    const [sessions, programs, purchases] = await Promise.all([
      documents.collection<SessionDoc>(SESSIONS).find(filter),
      documents.collection<ProgramDoc>(PROGRAMS).find(filter),
      documents.collection<PurchaseDoc>(PURCHASES).find(filter),
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
        const purchase = doc.purchaseId ? { purchaseId: doc.purchaseId } : {};
        return [{ kind: 'bundle' as const, sessionId: null, sessionStart: null, sessionStatus: null, bundleId: doc.id, bundleName: doc.name, ...purchase, ...payment, at: doc.createdAt, id: doc.id }];
      }),
      // A session pack's purchase is its bundle's row.
      ...purchases
        .filter((doc) => !doc.bundleId)
        .map((doc) => ({
          kind: 'purchase' as const,
          sessionId: null,
          sessionStart: null,
          sessionStatus: null,
          bundleId: null,
          bundleName: null,
          purchaseId: doc.id,
          productName: doc.productName,
          ...paidSummary(doc.paid),
          at: doc.paid.paidAt,
          id: doc.id,
        })),
    ];
    const listed = rows
      .filter((row) => status === undefined || row.status === status)
      .sort((a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id))
      .map(({ at: _at, id: _id, ...row }) => row);
    return { items: listed.slice((page - 1) * pageSize, page * pageSize), page, pageSize, total: listed.length };
  }
}
