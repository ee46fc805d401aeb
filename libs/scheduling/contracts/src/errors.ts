import { defineErrors } from '@clientele/platform/core';

type Payable = 'session' | 'bundle';

/** The errors scheduling answers with, beside the common ones (not found, validation, concurrency). */
export const SchedulingErrors = defineErrors({
  coachDoubleBooked: {
    code: 'coach_double_booked',
    kind: 'conflict',
    sentence: (other: { start: string; durationMinutes: number }) =>
      `The coach already has a session from ${other.start} for ${other.durationMinutes} minutes; pick another time or another coach.`,
  },
  sessionNotFound: { code: 'session_not_found', kind: 'not_found', sentence: 'No session with this id.' },
  programNotFound: { code: 'program_not_found', kind: 'not_found', sentence: 'No program with this id.' },
  /** A client's program asked for by id: it may be another client's. */
  clientProgramNotFound: { code: 'program_not_found', kind: 'not_found', sentence: 'No program with this id for this client.' },
  sessionNotMovable: {
    code: 'session_not_scheduled',
    kind: 'conflict',
    sentence: (status: string) => `This session is ${status.replace('_', '-')}; only a scheduled session can be moved.`,
  },
  sessionAlreadyHeld: { code: 'session_not_scheduled', kind: 'conflict', sentence: 'This session already took place; it can no longer be cancelled.' },
  sessionCancelled: { code: 'session_not_scheduled', kind: 'conflict', sentence: 'This session was cancelled; it cannot be completed.' },
  sessionNotStarted: {
    code: 'session_not_started',
    kind: 'conflict',
    sentence: (start: string) => `This session starts at ${start}; complete it once it has begun.`,
  },
  sessionCoveredByBundle: {
    code: 'session_covered_by_bundle',
    kind: 'conflict',
    sentence: 'This session was taken from one of the client’s bundles; record the payment on the bundle.',
  },
  paymentAlreadyRecorded: {
    code: 'payment_already_recorded',
    kind: 'conflict',
    sentence: (what: Payable, paymentStatus: 'paid' | 'refunded') =>
      paymentStatus === 'paid' ? `This ${what} is already paid.` : `This ${what}’s payment was refunded; it cannot be paid again.`,
  },
  paymentNotRefundable: {
    code: 'payment_not_refundable',
    kind: 'conflict',
    sentence: (what: Payable, refunded: boolean) => (refunded ? 'This payment was already refunded.' : `This ${what} has no payment to refund.`),
  },
  /** A session pack's bundle: its money goes back through the purchase (the payment provider), not by a note of the coach's. */
  boughtAtCheckout: {
    code: 'payment_not_refundable',
    kind: 'conflict',
    sentence: 'This bundle was bought at checkout; refund its purchase, so that the money goes back the way it was paid.',
  },
  nothingToPay: { code: 'nothing_to_pay', kind: 'conflict', sentence: (what: Payable) => `This ${what} has no price; give the amount that was paid.` },
});
