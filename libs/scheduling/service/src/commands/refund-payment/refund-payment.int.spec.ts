import type { UseCaseHarness } from '@clientele/platform/testing';
import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { calendar, coach, sessionPaid, sessionScheduled, startScheduling } from '../../testing/scheduling-use-cases';

describe('scheduling.cmd.refund-payment', () => {
  let scheduling: UseCaseHarness;
  beforeEach(async () => ({ scheduling } = await startScheduling()));
  afterEach(() => scheduling.close());

  it('refunds the session’s payment, and answers the session', async () => {
    await scheduling.given(calendar, [sessionScheduled('s1'), sessionPaid('s1')]);

    const session = await scheduling.when(SchedulingSubjects.refundPayment, { actor: coach, data: { sessionId: 's1' } });

    expect(session).toMatchObject({ id: 's1', payment: { status: 'refunded' } });
    expect(await scheduling.newEvents()).toMatchObject([{ streamName: calendar, type: 'SessionPaymentRefunded', data: { sessionId: 's1', amount: { amount: 6000, currency: 'EUR' } } }]);
  });

  it('refuses to refund a session nobody paid (payment_not_refundable), and records nothing', async () => {
    await scheduling.given(calendar, [sessionScheduled('s1')]);

    await expect(scheduling.when(SchedulingSubjects.refundPayment, { actor: coach, data: { sessionId: 's1' } })).rejects.toMatchObject({ code: 'payment_not_refundable' });
    expect(await scheduling.newEvents()).toEqual([]);
  });
});
