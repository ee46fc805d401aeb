import type { UseCaseHarness } from '@clientele/platform/testing';
import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { bundleCreated, bundlePaid, coach, programs, startScheduling } from '../../testing/scheduling-use-cases';

describe('scheduling.cmd.refund-bundle-payment', () => {
  let scheduling: UseCaseHarness;
  beforeEach(async () => ({ scheduling } = await startScheduling()));
  afterEach(() => scheduling.close());

  it('refunds the bundle’s payment, and answers the bundle', async () => {
    await scheduling.given(programs, [bundleCreated('b1'), bundlePaid('b1')]);

    const bundle = await scheduling.when(SchedulingSubjects.refundBundlePayment, { actor: coach, data: { clientId: 'c1', programId: 'b1' } });

    expect(bundle).toMatchObject({ id: 'b1', payment: { status: 'refunded' } });
    expect(await scheduling.newEvents()).toMatchObject([{ streamName: programs, type: 'BundlePaymentRefunded', data: { bundleId: 'b1', amount: { amount: 25000, currency: 'EUR' } } }]);
  });

  it('refuses to refund a bundle nobody paid (payment_not_refundable), and records nothing', async () => {
    await scheduling.given(programs, [bundleCreated('b1')]);

    await expect(scheduling.when(SchedulingSubjects.refundBundlePayment, { actor: coach, data: { clientId: 'c1', programId: 'b1' } })).rejects.toMatchObject({
      code: 'payment_not_refundable',
    });
    expect(await scheduling.newEvents()).toEqual([]);
  });
});
