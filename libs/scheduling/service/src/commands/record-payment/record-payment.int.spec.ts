import type { UseCaseHarness } from '@clientele/platform/testing';
import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { calendar, coach, sessionPaid, sessionScheduled, startScheduling } from '../../testing/scheduling-use-cases';

describe('scheduling.cmd.record-payment', () => {
  let scheduling: UseCaseHarness;
  beforeEach(async () => ({ scheduling } = await startScheduling()));
  afterEach(() => scheduling.close());

  it('records the session’s price as paid, and answers the session', async () => {
    await scheduling.given(calendar, [sessionScheduled('s1')]);

    const session = await scheduling.when(SchedulingSubjects.recordPayment, { actor: coach, data: { sessionId: 's1' } });

    expect(session).toMatchObject({ id: 's1', payment: { status: 'paid', amount: { amount: 6000, currency: 'EUR' } } });
    expect(await scheduling.newEvents()).toMatchObject([{ streamName: calendar, type: 'SessionPaymentRecorded', data: { sessionId: 's1', amount: { amount: 6000, currency: 'EUR' } } }]);
  });

  it('refuses a second payment (payment_already_recorded), and records nothing', async () => {
    await scheduling.given(calendar, [sessionScheduled('s1'), sessionPaid('s1')]);

    await expect(scheduling.when(SchedulingSubjects.recordPayment, { actor: coach, data: { sessionId: 's1' } })).rejects.toMatchObject({ code: 'payment_already_recorded' });
    expect(await scheduling.newEvents()).toEqual([]);
  });
});
