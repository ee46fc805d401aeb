import type { UseCaseHarness } from '@clientele/platform/testing';
import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { calendar, coach, sessionCancelled, sessionScheduled, startScheduling } from '../../testing/scheduling-use-cases';

describe('scheduling.cmd.reschedule-session', () => {
  let scheduling: UseCaseHarness;
  beforeEach(async () => ({ scheduling } = await startScheduling()));
  afterEach(() => scheduling.close());

  it('moves the session, and answers it at its new time', async () => {
    await scheduling.given(calendar, [sessionScheduled('s1', '2030-03-04T09:00:00.000Z')]);

    const session = await scheduling.when(SchedulingSubjects.rescheduleSession, { actor: coach, data: { sessionId: 's1', start: '2030-03-05T14:00:00Z' } });

    expect(session).toMatchObject({ id: 's1', start: '2030-03-05T14:00:00.000Z', status: 'scheduled' });
    expect(await scheduling.newEvents()).toMatchObject([
      { streamName: calendar, type: 'SessionRescheduled', data: { sessionId: 's1', previousStart: '2030-03-04T09:00:00.000Z', start: '2030-03-05T14:00:00.000Z', durationMinutes: 60 } },
    ]);
  });

  it('refuses to move a cancelled session (session_not_scheduled), and records nothing', async () => {
    await scheduling.given(calendar, [sessionScheduled('s1'), sessionCancelled('s1')]);

    await expect(scheduling.when(SchedulingSubjects.rescheduleSession, { actor: coach, data: { sessionId: 's1', start: '2030-03-05T14:00:00Z' } })).rejects.toMatchObject({
      code: 'session_not_scheduled',
    });
    expect(await scheduling.newEvents()).toEqual([]);
  });
});
