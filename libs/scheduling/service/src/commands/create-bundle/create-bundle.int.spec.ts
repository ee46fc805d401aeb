import type { UseCaseHarness } from '@clientele/platform/testing';
import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { coach, otherCoach, programs, startScheduling } from '../../testing/scheduling-use-cases';

describe('scheduling.cmd.create-bundle', () => {
  let scheduling: UseCaseHarness;
  beforeEach(async () => ({ scheduling } = await startScheduling()));
  afterEach(() => scheduling.close());

  const request = { clientId: 'c1', name: ' Five sessions ', sessions: 5, price: { amount: 25000, currency: 'EUR' } };

  it('makes up a bundle for the client, pending payment, and answers it', async () => {
    const bundle = await scheduling.when<{ id: string }>(SchedulingSubjects.createBundle, { actor: coach, data: request });

    expect(bundle).toMatchObject({ name: 'Five sessions', sessions: 5 });
    expect(await scheduling.newEvents()).toMatchObject([
      { streamName: programs, type: 'BundleCreated', data: { bundleId: bundle.id, clientId: 'c1', accountId: 'a1', name: 'Five sessions', sessions: 5, createdBy: coach.id } },
    ]);
  });

  it('does not find a client of another coach (not_found), and records nothing', async () => {
    await expect(scheduling.when(SchedulingSubjects.createBundle, { actor: otherCoach, data: request })).rejects.toMatchObject({ code: 'not_found' });
    expect(await scheduling.newEvents()).toEqual([]);
  });
});
