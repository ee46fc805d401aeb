import { deciderSpec } from '@clientele/platform/testing';
import { CalendarCommand, CalendarEvent, calendarDecider } from './calendar.decider';
import { ProgramsEvent, programsDecider } from './programs.decider';

const now = '2026-11-21T08:00:00.000Z';
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const ref = (sessionId: string) => ({ sessionId, clientId: 'c1', accountId: 'a1' });

const schedule = (sessionId: string, start: string, durationMinutes = 60): Extract<CalendarCommand, { type: 'ScheduleSession' }> => ({
  type: 'ScheduleSession',
  sessionId,
  accountId: 'a1',
  coachId: 'coach1',
  clientId: 'c1',
  start,
  durationMinutes,
  online: false,
  location: 'Studio 2',
  price: eur(5000),
  metadata: { now },
});
const scheduled = (sessionId: string, start: string, durationMinutes = 60): CalendarEvent => ({
  type: 'SessionScheduled',
  data: { ...ref(sessionId), coachId: 'coach1', start, durationMinutes, online: false, location: 'Studio 2', price: eur(5000), scheduledAt: now },
});

describe('a coach calendar: no double-booking', () => {
  const spec = deciderSpec(calendarDecider);
  const nine = '2026-11-23T09:00:00.000Z';

  it('schedules a session in a free slot', () => {
    spec.given([]).when(schedule('s1', nine)).then([scheduled('s1', nine)]);
  });

  it('refuses a session overlapping another of the same coach, at its start, inside or around it', () => {
    const history = [scheduled('s1', nine)];
    spec.given(history).when(schedule('s2', nine)).thenThrows('coach_double_booked');
    spec.given(history).when(schedule('s2', '2026-11-23T09:59:00.000Z')).thenThrows('coach_double_booked');
    spec.given(history).when(schedule('s2', '2026-11-23T08:30:00.000Z', 45)).thenThrows('coach_double_booked');
    spec.given(history).when(schedule('s2', '2026-11-23T08:00:00.000Z', 180)).thenThrows('coach_double_booked', /2026-11-23T09:00:00.000Z/);
  });

  it('takes back-to-back sessions, and the slot of a cancelled one', () => {
    spec.given([scheduled('s1', nine)]).when(schedule('s2', '2026-11-23T10:00:00.000Z')).then([scheduled('s2', '2026-11-23T10:00:00.000Z')]);
    spec.given([scheduled('s1', nine)]).when(schedule('s0', '2026-11-23T08:00:00.000Z')).then([scheduled('s0', '2026-11-23T08:00:00.000Z')]);
    const cancelled: CalendarEvent = { type: 'SessionCancelled', data: { ...ref('s1'), reason: null, cancelledAt: now } };
    spec.given([scheduled('s1', nine), cancelled]).when(schedule('s2', nine)).then([scheduled('s2', nine)]);
  });

  it('schedules the same session id once (a retried request)', () => {
    spec.given([scheduled('s1', nine)]).when(schedule('s1', nine)).thenNothingHappens();
  });

  it('validates start and duration', () => {
    spec.given([]).when(schedule('s1', 'tomorrow')).thenThrows('validation_failed');
    spec.given([]).when(schedule('s1', nine, 2)).thenThrows('validation_failed');
    spec.given([]).when(schedule('s1', nine, 60 * 13)).thenThrows('validation_failed');
  });

  it('reschedules into a free slot, never onto another session of the coach, and not onto itself as a clash', () => {
    const history = [scheduled('s1', nine), scheduled('s2', '2026-11-23T11:00:00.000Z')];
    spec
      .given(history)
      .when({ type: 'RescheduleSession', sessionId: 's1', start: '2026-11-23T09:30:00.000Z', metadata: { now } })
      .then([
        {
          type: 'SessionRescheduled',
          data: { ...ref('s1'), previousStart: nine, start: '2026-11-23T09:30:00.000Z', durationMinutes: 60, online: false, location: 'Studio 2', rescheduledAt: now },
        },
      ]);
    spec.given(history).when({ type: 'RescheduleSession', sessionId: 's1', start: '2026-11-23T10:30:00.000Z', metadata: { now } }).thenThrows('coach_double_booked');
    spec.given(history).when({ type: 'RescheduleSession', sessionId: 's1', start: nine, metadata: { now } }).thenNothingHappens();
    spec.given(history).when({ type: 'RescheduleSession', sessionId: 'nope', start: nine, metadata: { now } }).thenThrows('session_not_found');
  });

  it('cancels a scheduled session once; a held session can be neither cancelled nor moved', () => {
    const cancel = { type: 'CancelSession' as const, sessionId: 's1', reason: 'ill', metadata: { now } };
    spec.given([scheduled('s1', nine)]).when(cancel).then([{ type: 'SessionCancelled', data: { ...ref('s1'), reason: 'ill', cancelledAt: now } }]);
    spec.given([scheduled('s1', nine), { type: 'SessionCancelled', data: { ...ref('s1'), reason: null, cancelledAt: now } }]).when(cancel).thenNothingHappens();
    const completed: CalendarEvent = { type: 'SessionCompleted', data: { ...ref('s1'), start: nine, attended: true, completedAt: now } };
    spec.given([scheduled('s1', nine), completed]).when(cancel).thenThrows('session_not_scheduled');
    spec.given([scheduled('s1', nine), completed]).when({ type: 'RescheduleSession', sessionId: 's1', start: '2026-11-24T09:00:00.000Z', metadata: { now } }).thenThrows('session_not_scheduled');
  });

  it('completes a session once it has begun, attended or as a no-show, and only once', () => {
    const past = '2026-11-20T09:00:00.000Z';
    spec
      .given([scheduled('s1', past)])
      .when({ type: 'CompleteSession', sessionId: 's1', attended: false, metadata: { now } })
      .then([{ type: 'SessionCompleted', data: { ...ref('s1'), start: past, attended: false, prepaid: false, completedAt: now } }]);
    spec.given([scheduled('s1', nine)]).when({ type: 'CompleteSession', sessionId: 's1', attended: true, metadata: { now } }).thenThrows('session_not_started');
    const completed: CalendarEvent = { type: 'SessionCompleted', data: { ...ref('s1'), start: past, attended: true, completedAt: now } };
    spec.given([scheduled('s1', past), completed]).when({ type: 'CompleteSession', sessionId: 's1', attended: true, metadata: { now } }).thenNothingHappens();
    spec
      .given([scheduled('s1', past), { type: 'SessionCancelled', data: { ...ref('s1'), reason: null, cancelledAt: now } }])
      .when({ type: 'CompleteSession', sessionId: 's1', attended: true, metadata: { now } })
      .thenThrows('session_not_scheduled');
  });

  it('says whether a completed session was paid on its own beforehand (then it takes nothing from a bundle)', () => {
    const past = '2026-11-20T09:00:00.000Z';
    const paidBefore: CalendarEvent = { type: 'SessionPaymentRecorded', data: { ...ref('s1'), amount: eur(5000), paidAt: now } };
    spec
      .given([scheduled('s1', past), paidBefore])
      .when({ type: 'CompleteSession', sessionId: 's1', attended: true, metadata: { now } })
      .then([{ type: 'SessionCompleted', data: { ...ref('s1'), start: past, attended: true, prepaid: true, completedAt: now } }]);
  });

  it('marks a session covered by the bundle it was taken from, once', () => {
    const past = '2026-11-20T09:00:00.000Z';
    const covered: CalendarEvent = { type: 'SessionCoveredByBundle', data: { ...ref('s1'), bundleId: 'b1', coveredAt: now } };
    spec.given([scheduled('s1', past)]).when({ type: 'CoverSession', sessionId: 's1', bundleId: 'b1', metadata: { now } }).then([covered]);
    spec.given([scheduled('s1', past), covered]).when({ type: 'CoverSession', sessionId: 's1', bundleId: 'b1', metadata: { now } }).thenNothingHappens();
    spec.given([]).when({ type: 'CoverSession', sessionId: 's1', bundleId: 'b1', metadata: { now } }).thenThrows('session_not_found');
    // Paid through the bundle: a payment of its own would charge the client twice.
    spec.given([scheduled('s1', past), covered]).when({ type: 'RecordPayment', sessionId: 's1', metadata: { now } }).thenThrows('session_covered_by_bundle');
  });
});

describe('payments per session and refunds', () => {
  const spec = deciderSpec(calendarDecider);
  const nine = '2026-11-23T09:00:00.000Z';
  const paid: CalendarEvent = { type: 'SessionPaymentRecorded', data: { ...ref('s1'), amount: eur(5000), paidAt: now } };

  it('records a payment of the session price, or of the amount given', () => {
    spec.given([scheduled('s1', nine)]).when({ type: 'RecordPayment', sessionId: 's1', metadata: { now } }).then([paid]);
    spec
      .given([scheduled('s1', nine)])
      .when({ type: 'RecordPayment', sessionId: 's1', amount: eur(4000), metadata: { now } })
      .then([{ type: 'SessionPaymentRecorded', data: { ...ref('s1'), amount: eur(4000), paidAt: now } }]);
  });

  it('never takes a second payment for one session, nor a payment of nothing', () => {
    spec.given([scheduled('s1', nine), paid]).when({ type: 'RecordPayment', sessionId: 's1', metadata: { now } }).thenThrows('payment_already_recorded');
    const free: CalendarEvent = { type: 'SessionScheduled', data: { ...(scheduled('s2', nine).data as object), sessionId: 's2', price: eur(0) } as never };
    spec.given([free]).when({ type: 'RecordPayment', sessionId: 's2', metadata: { now } }).thenThrows('nothing_to_pay');
  });

  it('refunds a paid session once, the whole amount; nothing unpaid can be refunded', () => {
    const refund = { type: 'RefundPayment' as const, sessionId: 's1', metadata: { now: '2026-11-22T08:00:00.000Z' } };
    const refunded: CalendarEvent = { type: 'SessionPaymentRefunded', data: { ...ref('s1'), amount: eur(5000), paidAt: now, refundedAt: refund.metadata.now } };
    spec.given([scheduled('s1', nine), paid]).when(refund).then([refunded]);
    spec.given([scheduled('s1', nine), paid, refunded]).when(refund).thenThrows('payment_not_refundable');
    spec.given([scheduled('s1', nine)]).when(refund).thenThrows('payment_not_refundable');
    spec.given([scheduled('s1', nine), paid, refunded]).when({ type: 'RecordPayment', sessionId: 's1', metadata: { now } }).thenThrows('payment_already_recorded');
  });
});

describe('programs: bundles of sessions', () => {
  const spec = deciderSpec(programsDecider);
  const created = (bundleId: string, sessions: number, expiresAt: string | null = null): ProgramsEvent => ({
    type: 'BundleCreated',
    data: { bundleId, clientId: 'c1', accountId: 'a1', name: `${sessions} sessions`, sessions, price: eur(20000), productId: null, purchaseId: null, expiresAt, createdBy: 'coach1', createdAt: now },
  });
  const consume = (sessionId: string, sessionStart = '2026-11-25T09:00:00.000Z') => ({ type: 'ConsumeSession' as const, clientId: 'c1', accountId: 'a1', sessionId, sessionStart, metadata: { now } });
  const consumed = (bundleId: string, sessionId: string, remaining: number): ProgramsEvent => ({
    type: 'BundleSessionConsumed',
    data: { bundleId, clientId: 'c1', accountId: 'a1', sessionId, remaining, consumedAt: now },
  });

  it('creates a bundle, validated', () => {
    spec
      .given([])
      .when({ type: 'CreateBundle', bundleId: 'b1', clientId: 'c1', accountId: 'a1', name: ' 3 sessions ', sessions: 3, price: eur(20000), productId: null, expiresAt: null, metadata: { actorId: 'coach1', now } })
      .then([{ ...created('b1', 3), data: { ...(created('b1', 3).data as object), name: '3 sessions' } } as ProgramsEvent]);
    spec
      .given([])
      .when({ type: 'CreateBundle', bundleId: 'b1', clientId: 'c1', accountId: 'a1', name: 'x', sessions: 0, price: eur(1), productId: null, expiresAt: '2020-01-01T00:00:00Z', metadata: { actorId: 'u', now } })
      .thenThrows('validation_failed');
  });

  it('a completed session consumes one session of the active bundle; the last one uses it up', () => {
    spec.given([created('b1', 2)]).when(consume('s1')).then([consumed('b1', 's1', 1)]);
    spec
      .given([created('b1', 2), consumed('b1', 's1', 1)])
      .when(consume('s2'))
      .then([consumed('b1', 's2', 0), { type: 'BundleUsedUp', data: { bundleId: 'b1', clientId: 'c1', accountId: 'a1', usedUpAt: now } }]);
  });

  it('consumes a session at most once (a redelivered completion changes nothing)', () => {
    spec.given([created('b1', 5), consumed('b1', 's1', 4)]).when(consume('s1')).thenNothingHappens();
  });

  it('takes from the oldest bundle with sessions left, moves on when it is used up, and does nothing without one', () => {
    const history = [created('b1', 1), created('b2', 3), consumed('b1', 's1', 0)];
    spec.given(history).when(consume('s2')).then([consumed('b2', 's2', 2)]);
    spec.given([]).when(consume('s1')).thenNothingHappens();
  });

  it('skips a bundle that had expired when the session took place', () => {
    const history = [created('b1', 5, '2026-11-24T00:00:00.000Z'), created('b2', 5)];
    spec.given(history).when(consume('s1', '2026-11-23T09:00:00.000Z')).then([consumed('b1', 's1', 4)]);
    spec.given(history).when(consume('s2', '2026-11-25T09:00:00.000Z')).then([consumed('b2', 's2', 4)]);
    spec.given([created('b1', 5, '2026-11-24T00:00:00.000Z')]).when(consume('s3', '2026-11-25T09:00:00.000Z')).thenNothingHappens();
  });

  it('gives a bundle sold as a session pack, paid at checkout with the purchase', () => {
    const purchasedAt = '2026-11-20T10:00:00.000Z';
    spec
      .given([])
      .when({
        type: 'CreateBundle',
        bundleId: 'b9',
        clientId: 'c1',
        accountId: 'a1',
        name: '10-session pack',
        sessions: 10,
        price: eur(45000),
        productId: 'prod1',
        expiresAt: '2027-02-18T10:00:00.000Z',
        purchase: { purchaseId: 'purchase1', paidAt: purchasedAt },
        metadata: { actorId: 'billing', now: purchasedAt },
      })
      .then([
        {
          type: 'BundleCreated',
          data: { bundleId: 'b9', clientId: 'c1', accountId: 'a1', name: '10-session pack', sessions: 10, price: eur(45000), productId: 'prod1', purchaseId: 'purchase1', expiresAt: '2027-02-18T10:00:00.000Z', createdBy: 'billing', createdAt: purchasedAt },
        },
        { type: 'BundlePaymentRecorded', data: { bundleId: 'b9', clientId: 'c1', accountId: 'a1', amount: eur(45000), paidAt: purchasedAt } },
      ]);
  });

  it('takes one payment for a bundle made by the coach, of its price or the amount given, and refunds it once', () => {
    const paid: ProgramsEvent = { type: 'BundlePaymentRecorded', data: { bundleId: 'b1', clientId: 'c1', accountId: 'a1', amount: eur(20000), paidAt: now } };
    const refunded: ProgramsEvent = { type: 'BundlePaymentRefunded', data: { bundleId: 'b1', clientId: 'c1', accountId: 'a1', amount: eur(20000), paidAt: now, refundedAt: now } };
    spec.given([created('b1', 5)]).when({ type: 'RecordBundlePayment', bundleId: 'b1', metadata: { now } }).then([paid]);
    spec
      .given([created('b1', 5)])
      .when({ type: 'RecordBundlePayment', bundleId: 'b1', amount: eur(15000), metadata: { now } })
      .then([{ type: 'BundlePaymentRecorded', data: { bundleId: 'b1', clientId: 'c1', accountId: 'a1', amount: eur(15000), paidAt: now } }]);
    spec.given([created('b1', 5), paid]).when({ type: 'RecordBundlePayment', bundleId: 'b1', metadata: { now } }).thenThrows('payment_already_recorded');
    spec.given([created('b1', 5), paid]).when({ type: 'RefundBundlePayment', bundleId: 'b1', metadata: { now } }).then([refunded]);
    spec.given([created('b1', 5), paid, refunded]).when({ type: 'RefundBundlePayment', bundleId: 'b1', metadata: { now } }).thenThrows('payment_not_refundable');
    spec.given([created('b1', 5)]).when({ type: 'RefundBundlePayment', bundleId: 'b1', metadata: { now } }).thenThrows('payment_not_refundable');
    spec.given([created('b1', 5), paid, refunded]).when({ type: 'RecordBundlePayment', bundleId: 'b1', metadata: { now } }).thenThrows('payment_already_recorded');
    spec.given([]).when({ type: 'RecordBundlePayment', bundleId: 'b1', metadata: { now } }).thenThrows('program_not_found');
    const free: ProgramsEvent = { ...created('b2', 5), data: { ...(created('b2', 5).data as object), price: eur(0) } as never };
    spec.given([free]).when({ type: 'RecordBundlePayment', bundleId: 'b2', metadata: { now } }).thenThrows('nothing_to_pay');
  });

  it("records a deleted client's erasure once", () => {
    const erased: ProgramsEvent = { type: 'ClientErased', data: { clientId: 'c1', accountId: 'a1', erasedAt: now } };
    spec.given([created('b1', 5)]).when({ type: 'EraseClient', clientId: 'c1', accountId: 'a1', metadata: { now } }).then([erased]);
    spec.given([erased]).when({ type: 'EraseClient', clientId: 'c1', accountId: 'a1', metadata: { now } }).thenNothingHappens();
  });
});

describe("programs: what the client bought at checkout, and what went back", () => {
  const spec = deciderSpec(programsDecider);
  const client = { clientId: 'c1', accountId: 'a1' };
  const productPaid: ProgramsEvent = {
    type: 'ProductPaymentRecorded',
    data: { purchaseId: 'p1', ...client, productId: 'prod1', productName: 'Meal plan', amount: eur(3000), paidAt: now },
  };
  const recordProduct = (amount = 3000) =>
    ({ type: 'RecordProductPayment', purchaseId: 'p1', ...client, productId: 'prod1', productName: 'Meal plan', amount: eur(amount), paidAt: now, metadata: { now } }) as const;
  const refund = (purchaseId: string, total: number, currency = 'EUR') =>
    ({ type: 'RecordPurchaseRefund', purchaseId, ...client, refundedTotal: { amount: total, currency }, refundedAt: now, metadata: { now } }) as const;
  const refunded = (purchaseId: string, bundleId: string | null, amount: number, total: number): ProgramsEvent => ({
    type: 'PurchaseRefundRecorded',
    data: { purchaseId, ...client, bundleId, amount: eur(amount), refundedTotal: eur(total), refundedAt: now },
  });
  const pack: ProgramsEvent = {
    type: 'BundleCreated',
    data: { bundleId: 'b1', ...client, name: 'Pack', sessions: 5, price: eur(20000), productId: 'prod2', purchaseId: 'p2', expiresAt: null, createdBy: 'billing', createdAt: now },
  };
  const packPaid: ProgramsEvent = { type: 'BundlePaymentRecorded', data: { bundleId: 'b1', ...client, amount: eur(20000), paidAt: now } };

  it("records a product's payment once, and nothing for a free product", () => {
    spec.given([]).when(recordProduct()).then([productPaid]);
    spec.given([productPaid]).when(recordProduct()).thenNothingHappens();
    spec.given([]).when(recordProduct(0)).thenNothingHappens();
  });

  it('records what went back when the total grows, in any order and however often it is told', () => {
    spec.given([productPaid]).when(refund('p1', 1000)).then([refunded('p1', null, 1000, 1000)]);
    spec.given([productPaid, refunded('p1', null, 1000, 1000)]).when(refund('p1', 3000)).then([refunded('p1', null, 2000, 3000)]);
    // Redelivered, or an older total after a newer one: nothing.
    spec.given([productPaid, refunded('p1', null, 1000, 1000)]).when(refund('p1', 1000)).thenNothingHappens();
    spec.given([productPaid, refunded('p1', null, 3000, 3000)]).when(refund('p1', 1000)).thenNothingHappens();
    // Never more than was paid, and never in another currency.
    spec.given([productPaid]).when(refund('p1', 5000)).then([refunded('p1', null, 3000, 3000)]);
    spec.given([productPaid]).when(refund('p1', 1000, 'USD')).thenNothingHappens();
  });

  it("keeps nothing of a refund before the purchase is the client's (the purchase asks billing when it comes)", () => {
    spec.given([]).when(refund('p1', 1000)).thenNothingHappens();
  });

  it("a session pack's purchase refunded in full refunds its bundle; a coach cannot mark it refunded by hand", () => {
    spec.given([pack, packPaid]).when(refund('p2', 20000)).then([refunded('p2', 'b1', 20000, 20000)]);
    spec.given([pack, packPaid]).when({ type: 'RefundBundlePayment', bundleId: 'b1', metadata: { now } }).thenThrows('payment_not_refundable', /bought at checkout/);
    // Refunded in full: the bundle's payment reads refunded (a second refund of it is refused).
    spec.given([pack, packPaid, refunded('p2', 'b1', 20000, 20000)]).when({ type: 'RecordBundlePayment', bundleId: 'b1', metadata: { now } }).thenThrows('payment_already_recorded');
  });
});
