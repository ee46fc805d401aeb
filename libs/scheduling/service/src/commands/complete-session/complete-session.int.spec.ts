import type { UseCaseHarness } from '@clientele/platform/testing';
import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { bundleCreated, calendar, coach, programs, sessionScheduled, startScheduling } from '../../testing/scheduling-use-cases';

describe('scheduling.cmd.complete-session', () => {
  let scheduling: UseCaseHarness;
  beforeEach(async () => ({ scheduling } = await startScheduling()));
  afterEach(() => scheduling.close());

  const past = '2026-01-05T09:00:00.000Z';

  it('completes a held session and takes it from the client’s active bundle', async () => {
    await scheduling.given(programs, [bundleCreated('b1', 5)]);
    await scheduling.given(calendar, [sessionScheduled('s1', past)]);

    await expect(scheduling.when(SchedulingSubjects.completeSession, { actor: coach, data: { sessionId: 's1' } })).resolves.toMatchObject({ id: 's1', status: 'completed' });
    expect(await scheduling.newEvents()).toMatchObject([
      { streamName: calendar, type: 'SessionCompleted', data: { sessionId: 's1', attended: true, prepaid: false } },
      { streamName: programs, type: 'BundleSessionConsumed', data: { bundleId: 'b1', sessionId: 's1', remaining: 4 } },
      { streamName: calendar, type: 'SessionCoveredByBundle', data: { sessionId: 's1', bundleId: 'b1' } },
    ]);
  });

  it('refuses to complete a session that has not started (session_not_started), and records nothing', async () => {
    await scheduling.given(calendar, [sessionScheduled('s1', '2099-01-01T09:00:00.000Z')]);

    await expect(scheduling.when(SchedulingSubjects.completeSession, { actor: coach, data: { sessionId: 's1' } })).rejects.toMatchObject({ code: 'session_not_started' });
    expect(await scheduling.newEvents()).toEqual([]);
  });
});
