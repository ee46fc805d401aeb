import type { Money, PaymentSummary, ProgramView, SessionView } from '@clientele/scheduling/contracts';

export const SESSIONS = 'sessions';
export const PROGRAMS = 'programs';
/** Every purchase scheduling knows of a client's (a product's payment, or a session pack's bundle), by purchase id. */
export const PURCHASES = 'purchase_payments';

/** What was paid, and what went back so far (`refunded`, when in part; absent on older documents: all of it once refundedAt is set). */
export type PaidDoc = { amount: Money; paidAt: string; refundedAt: string | null; refunded?: Money | null };

/** One session as the calendar stream left it (version = that stream's revision). */
export type SessionDoc = Omit<SessionView, 'payment' | 'bundleId'> & {
  accountId: string;
  /** Absent on documents written before bundles covered sessions: read null. */
  bundleId?: string | null;
  /** Set once a payment was recorded; the pending state is derived from the price (see toSessionView). */
  paid: { amount: SessionView['price']; paidAt: string; refundedAt: string | null } | null;
  [key: string]: unknown;
};

/** One bundle as the client's programs stream left it; expiry is applied when it is read. */
export type ProgramDoc = Omit<ProgramView, 'status' | 'completedReason' | 'remaining' | 'payment' | 'source'> & {
  accountId: string;
  purchaseId: string | null;
  usedUpAt: string | null;
  paid: PaidDoc | null;
  version: number;
  [key: string]: unknown;
};

/** A purchase of the client's at checkout: a product's payment (`bundleId` null) or the purchase behind a session pack's bundle. */
export type PurchaseDoc = {
  /** The purchase id. */
  id: string;
  accountId: string;
  clientId: string;
  bundleId: string | null;
  productId: string;
  productName: string;
  paid: PaidDoc;
  version: number;
  [key: string]: unknown;
};

/** What went back of a payment: nothing, part of it, or (a refund before partial refunds were kept) all of it. */
export function refundedOf(paid: PaidDoc): number {
  if (!paid.refundedAt) return 0;
  return paid.refunded ? paid.refunded.amount : paid.amount.amount;
}

export function paidSummary(paid: PaidDoc): PaymentSummary {
  const refunded = refundedOf(paid);
  return {
    status: refunded >= paid.amount.amount && paid.refundedAt ? 'refunded' : 'paid',
    amount: paid.amount,
    paidAt: paid.paidAt,
    refundedAt: paid.refundedAt,
    // Said only of a purchase's refunds, which may be partial (a coach's refund is always of the whole payment).
    ...(paid.refunded ? { refunded: paid.refunded } : {}),
  };
}

export function paymentOf(doc: SessionDoc): PaymentSummary | null {
  if (doc.paid) return paidSummary(doc.paid);
  // Taken from a bundle: the bundle is what is paid for.
  if (doc.price.amount > 0 && doc.status !== 'cancelled' && !doc.bundleId) return { status: 'pending', amount: doc.price, paidAt: null, refundedAt: null };
  return null;
}

export function programPaymentOf(doc: ProgramDoc): PaymentSummary | null {
  if (doc.paid) return paidSummary(doc.paid);
  if (doc.price.amount > 0) return { status: 'pending', amount: doc.price, paidAt: null, refundedAt: null };
  return null;
}

export function toSessionView(doc: SessionDoc): SessionView {
  return {
    id: doc.id,
    clientId: doc.clientId,
    coachId: doc.coachId,
    start: doc.start,
    end: doc.end,
    durationMinutes: doc.durationMinutes,
    online: doc.online,
    location: doc.location,
    price: doc.price,
    status: doc.status,
    payment: paymentOf(doc),
    bundleId: doc.bundleId ?? null,
    cancellationReason: doc.cancellationReason,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    version: doc.version,
  };
}

/** Active while sessions remain and it has not expired, at the time of the request. */
export function toProgramView(doc: ProgramDoc, now: Date): ProgramView {
  const remaining = doc.sessions - doc.used;
  const expired = doc.expiresAt !== null && Date.parse(doc.expiresAt) <= now.getTime();
  const completedReason = remaining <= 0 ? 'used_up' : expired ? 'expired' : null;
  return {
    id: doc.id,
    clientId: doc.clientId,
    name: doc.name,
    sessions: doc.sessions,
    used: doc.used,
    remaining: Math.max(0, remaining),
    price: doc.price,
    productId: doc.productId,
    source: doc.purchaseId ? 'product' : 'coach',
    purchaseId: doc.purchaseId,
    payment: programPaymentOf(doc),
    expiresAt: doc.expiresAt,
    status: completedReason ? 'completed' : 'active',
    completedReason,
    createdAt: doc.createdAt,
  };
}
