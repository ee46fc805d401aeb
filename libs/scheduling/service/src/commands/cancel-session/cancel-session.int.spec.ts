import type { UseCaseHarness } from '@clientele/platform/testing';
import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { calendar, coach, otherCoach, sessionCompleted, sessionScheduled, startScheduling } from '../../testing/scheduling-use-cases';

describe('scheduling.cmd.cancel-session', () => {
  let scheduling: UseCaseHarness;
  beforeEach(async () => ({ scheduling } = await startScheduling()));
  afterEach(() => scheduling.close());

  it('cancels the session with its reason, and answers it cancelled', async () => {
    await scheduling.given(calendar, [sessionScheduled('s1')]);

    await expect(scheduling.when(SchedulingSubjects.cancelSession, { actor: coach, data: { sessionId: 's1', reason: 'Ill' } })).resolves.toMatchObject({ id: 's1', status: 'cancelled' });
    expect(await scheduling.newEvents()).toMatchObject([{ streamName: calendar, type: 'SessionCancelled', data: { sessionId: 's1', clientId: 'c1', reason: 'Ill' } }]);
  });

  it('refuses to cancel a session that took place (session_not_scheduled), and records nothing', async () => {
    await scheduling.given(calendar, [sessionScheduled('s1'), sessionCompleted('s1')]);

    await expect(scheduling.when(SchedulingSubjects.cancelSession, { actor: coach, data: { sessionId: 's1' } })).rejects.toMatchObject({ code: 'session_not_scheduled' });
    expect(await scheduling.newEvents()).toEqual([]);
  });

  it('does not find another coach’s session (session_not_found)', async () => {
    await scheduling.given(calendar, [sessionScheduled('s1')]);

    await expect(scheduling.when(SchedulingSubjects.cancelSession, { actor: otherCoach, data: { sessionId: 's1' } })).rejects.toMatchObject({ code: 'session_not_found' });
  });
});
