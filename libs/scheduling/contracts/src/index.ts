import type { Money } from '@clientele/platform/core';

export * from './errors';
export type { Money };

/** What other services (and the gateway) may know of scheduling: sessions, programs and payments per session. */
export const SchedulingSubjects = {
  scheduleSession: 'scheduling.cmd.schedule-session',
  rescheduleSession: 'scheduling.cmd.reschedule-session',
  cancelSession: 'scheduling.cmd.cancel-session',
  completeSession: 'scheduling.cmd.complete-session',
  recordPayment: 'scheduling.cmd.record-payment',
  refundPayment: 'scheduling.cmd.refund-payment',
  createBundle: 'scheduling.cmd.create-bundle',
  recordBundlePayment: 'scheduling.cmd.record-bundle-payment',
  refundBundlePayment: 'scheduling.cmd.refund-bundle-payment',
  getSession: 'scheduling.query.get-session',
  clientSessions: 'scheduling.query.client-sessions',
  coachSessions: 'scheduling.query.coach-sessions',
  coachAgenda: 'scheduling.query.coach-agenda',
  clientSessionSummary: 'scheduling.query.client-session-summary',
  clientPrograms: 'scheduling.query.client-programs',
  clientPayments: 'scheduling.query.client-payments',
  clientPaymentSummary: 'scheduling.query.client-payment-summary',
  health: 'scheduling.query.health',
} as const;

export const SchedulingEvents = {
  /**
   * A session was booked: the clients service keeps coach–client session links from it (a coach
   * sees a client they have a session with). No personal data.
   */
  sessionScheduled: 'scheduling.session.scheduled.v1',
} as const;

export interface SessionScheduledEventData {
  sessionId: string;
  accountId: string;
  coachId: string;
  clientId: string;
  start: string;
}

/** The scheduling service's integration events: subject to data. */
export type SchedulingIntegrationEvents = {
  [SchedulingEvents.sessionScheduled]: SessionScheduledEventData;
};

export type SessionStatus = 'scheduled' | 'completed' | 'no_show' | 'cancelled';
export type PaymentStatus = 'pending' | 'paid' | 'refunded';

export interface SessionView {
  id: string;
  clientId: string;
  coachId: string;
  start: string;
  end: string;
  durationMinutes: number;
  online: boolean;
  location: string | null;
  price: Money;
  status: SessionStatus;
  /** null when there is nothing to pay (no price, or cancelled before anything was paid). */
  payment: PaymentSummary | null;
  /** The bundle (program) the session was taken from when it was completed; then nothing is owed for it on its own. */
  bundleId: string | null;
  cancellationReason: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface PaymentSummary {
  /** `refunded` once everything paid went back; a payment refunded in part stays `paid`, with `refunded` set. */
  status: PaymentStatus;
  amount: Money;
  paidAt: string | null;
  /** When money last went back (in full or in part); null when none did. */
  refundedAt: string | null;
  /** What went back so far, when any did (a purchase may be refunded in part at the payment provider). */
  refunded?: Money | null;
}

/**
 * One row of a client's payment list: a session's payment, a bundle's (paid as a whole), or a
 * product bought at checkout that is not a session pack (`purchase`; a pack is its bundle's row).
 */
export interface PaymentView extends PaymentSummary {
  kind: 'session' | 'bundle' | 'purchase';
  /** Set for a session's payment (null for a bundle's). */
  sessionId: string | null;
  sessionStart: string | null;
  sessionStatus: SessionStatus | null;
  /** Set for a bundle's payment (null for a session's). */
  bundleId: string | null;
  bundleName: string | null;
  /** The checkout that paid it: set for a product's payment and for a session pack's bundle (refunded through that purchase). */
  purchaseId?: string | null;
  /** Set for a product's payment: the product's name as sold. */
  productName?: string | null;
}

export type ProgramStatus = 'active' | 'completed';

export interface ProgramView {
  id: string;
  clientId: string;
  name: string;
  sessions: number;
  used: number;
  remaining: number;
  price: Money;
  productId: string | null;
  /** `product`: bought at checkout as a session pack (paid then); `coach`: made up with "New bundle". */
  source: 'coach' | 'product';
  /** A session pack's checkout (`source: product`): its refund goes through that purchase. */
  purchaseId?: string | null;
  /** null when there is nothing to pay (no price). */
  payment: PaymentSummary | null;
  expiresAt: string | null;
  status: ProgramStatus;
  /** Why a completed program ended. */
  completedReason: 'used_up' | 'expired' | null;
  createdAt: string;
}

/**
 * POST …/programs/:programId/refund's answer: the bundle, and for a session pack what became of the
 * refund of its purchase: `refunded` at once (paid without a provider), or `requested` of the
 * payment provider (the bundle shows it refunded once the provider confirms it).
 */
export interface ProgramRefundView extends ProgramView {
  refund?: { status: 'requested' | 'refunded'; amount: Money };
}

export interface ClientSessionSummary {
  sessions: {
    completed: number;
    noShows: number;
    cancelled: number;
    upcoming: number;
    /** completed / (completed + no-shows), 0..1; null before any session was held. */
    attendanceRate: number | null;
    nextSession: SessionView | null;
  };
  programs: { active: number; completed: number };
}

export interface ClientPaymentSummary {
  /** Paid minus refunded. */
  revenue: Money;
  /** What is owed: sessions with a price, not cancelled, not paid and not taken from a bundle; bundles with a price not paid yet. */
  outstanding: Money;
  lastPayment: { kind: 'session' | 'bundle' | 'purchase'; sessionId: string | null; bundleId: string | null; purchaseId?: string | null; amount: Money; paidAt: string } | null;
  /** The last 12 calendar months (UTC), oldest first, the current month last: paid minus refunded per month of payment. */
  monthly: Array<{ month: string; revenue: Money }>;
  /** The sums above are in the currency of the client's latest session or bundle; what was billed in any other currency, summed apart. */
  otherCurrencies: Array<{ currency: string; revenue: Money; outstanding: Money }>;
}

export interface CoachAgenda {
  timezone: string;
  today: { from: string; to: string; items: SessionView[] };
  week: { from: string; to: string; items: SessionView[] };
}
