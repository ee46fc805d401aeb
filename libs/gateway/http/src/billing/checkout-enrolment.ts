import { CheckoutEnrolmentSubjects, type CheckoutEnrolment, type PurchaseEnrolmentView } from '@clientele/billing/contracts';
import type { RequestClient } from '@clientele/platform/bus';

/**
 * How long checkout waits for the enrolment before answering `in_progress`: not at all, it asks
 * once. The buyer is enrolled after the payment is recorded, by the clients service's saga, one
 * purchase after another; an answer that waited for it answered only as fast as the saga decides
 * (bench `checkout`, 8 in flight: 190 ms p50 and 41 checkouts/s waiting up to 5 s, against 38 ms and
 * 191/s without). The page asks again (GET /api/v1/checkout/purchases/:id) until it knows; a
 * repeated checkout (same Idempotency-Key) after the decision answers it at once.
 */
export const ENROLMENT_WAIT_MS = 0;

/**
 * What became of a purchase's buyer, asked of the clients service until it has decided or `waitMs`
 * has passed, or `in_progress` at once when it cannot be asked. Asking changes nothing, so a retried checkout (same Idempotency-Key) asks again and
 * gets the same decision, recorded once by the enrolment.
 */
export async function enrolmentOf(requests: RequestClient, purchaseId: string, correlationId: string | undefined, waitMs: number): Promise<CheckoutEnrolment> {
  const deadline = Date.now() + waitMs;
  for (let pause = 50; ; pause = Math.min(pause * 2, 400)) {
    const remaining = deadline - Date.now();
    try {
      const { enrolment } = await requests.request<PurchaseEnrolmentView>(
        CheckoutEnrolmentSubjects.getPurchaseEnrolment,
        { correlationId, data: { purchaseId } },
        { timeoutMs: Math.max(remaining, 500) },
      );
      if (enrolment) return enrolment;
    } catch {
      // The clients service (or the bus) is down or slow: the purchase is recorded and will be
      // enrolled when it is back. Answer at once rather than hold the buyer for the whole wait: the
      // page asks again, and a checkout must fail (or succeed) fast while a part is down.
      return 'in_progress';
    }
    const left = deadline - Date.now();
    if (left <= 0) return 'in_progress';
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}
