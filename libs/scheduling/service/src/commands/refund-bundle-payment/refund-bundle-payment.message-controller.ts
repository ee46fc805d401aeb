import { BillingSubjects, type RefundPurchaseResult } from '@clientele/billing/contracts';
import { commandMetadata, handleAndWait } from '@clientele/platform/application';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { ProgramRefundView, SchedulingSubjects } from '@clientele/scheduling/contracts';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PROGRAMS, ProgramDoc, programPaymentOf, toProgramView } from '../../read-models/documents';
import { SCHEDULING } from '../../scheduling.deps';
import { programNotFound, type Scheduling } from '../../scheduling';

/**
 * Refunds a bundle's payment in full. A bundle the coach made up: the refund is recorded at once
 * (the coach gave the money back themselves). A session pack bought at checkout: its purchase is
 * refunded through billing, with the caller's rights (manage_products) and Idempotency-Key, so the
 * money goes back the way it was paid (Stripe, with Stripe's idempotency key); the bundle shows it
 * refunded once billing has recorded the refund: at once for a purchase paid without a provider,
 * when Stripe's charge.refunded webhook confirms it otherwise (`refund.status: requested`).
 */
@Controller()
export class RefundBundlePaymentMessageController {
  constructor(@Inject(SCHEDULING) private readonly scheduling: Scheduling) {}

  @MessagePattern(SchedulingSubjects.refundBundlePayment)
  async refundPayment(@Payload() envelope: RequestEnvelope<{ clientId: string; programId: string }>): Promise<ProgramRefundView> {
    const { clientId, programId } = envelope.data;
    const bundle = await this.scheduling.deps.documents.collection<ProgramDoc>(PROGRAMS).get(programId);
    // Nothing paid to refund (or refunded already): the decider says so, whoever sold the bundle.
    if (!bundle?.purchaseId || programPaymentOf(bundle)?.status !== 'paid') {
      return this.scheduling.changeBundle(envelope, { type: 'RefundBundlePayment', bundleId: programId, metadata: { now: new Date().toISOString() } }, `refund-bundle:${programId}`);
    }
    const actor = requireStaff(envelope.actor);
    await this.scheduling.visibleClient(actor, clientId, envelope.correlationId);
    if (bundle.clientId !== clientId || bundle.accountId !== actor.accountId) throw programNotFound();
    const { purchaseId } = bundle;
    const refund = await this.scheduling.deps.requests.request<RefundPurchaseResult>(BillingSubjects.refundPurchase, { ...envelope, data: { purchaseId } });
    if (refund.status === 'refunded') {
      // Recorded by billing already: shown here now rather than when its event arrives (the same command, so once).
      const billed = await this.scheduling.purchase(purchaseId, envelope.correlationId);
      await handleAndWait(
        this.scheduling.recordPurchaseRefund(
          { purchaseId, clientId, accountId: actor.accountId },
          { refundedTotal: billed.refundedTotal, refundedAt: billed.refundedAt ?? new Date().toISOString() },
          commandMetadata(envelope, actor),
        ),
        this.scheduling.views,
      );
    }
    const doc = await this.scheduling.deps.documents.collection<ProgramDoc>(PROGRAMS).get(programId);
    if (!doc) throw programNotFound();
    return { ...toProgramView(doc, new Date()), refund: { status: refund.status, amount: refund.amount } };
  }
}
