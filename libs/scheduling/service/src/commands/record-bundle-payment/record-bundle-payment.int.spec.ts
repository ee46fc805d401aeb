import type { UseCaseHarness } from '@clientele/platform/testing';
import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { bundleCreated, bundlePaid, coach, programs, startScheduling } from '../../testing/scheduling-use-cases';

describe('scheduling.cmd.record-bundle-payment', () => {
  let scheduling: UseCaseHarness;
  beforeEach(async () => ({ scheduling } = await startScheduling()));
  afterEach(() => scheduling.close());

  it('records the bundle’s price as paid, and answers the bundle', async () => {
    await scheduling.given(programs, [bundleCreated('b1')]);

    const bundle = await scheduling.when(SchedulingSubjects.recordBundlePayment, { actor: coach, data: { clientId: 'c1', programId: 'b1' } });

    expect(bundle).toMatchObject({ id: 'b1', payment: { status: 'paid', amount: { amount: 25000, currency: 'EUR' } } });
    expect(await scheduling.newEvents()).toMatchObject([{ streamName: programs, type: 'BundlePaymentRecorded', data: { bundleId: 'b1', amount: { amount: 25000, currency: 'EUR' } } }]);
  });

  it('refuses a second payment (payment_already_recorded), and records nothing', async () => {
    await scheduling.given(programs, [bundleCreated('b1'), bundlePaid('b1')]);

    await expect(scheduling.when(SchedulingSubjects.recordBundlePayment, { actor: coach, data: { clientId: 'c1', programId: 'b1' } })).rejects.toMatchObject({
      code: 'payment_already_recorded',
    });
    expect(await scheduling.newEvents()).toEqual([]);
  });
});
