import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { SchedulingSubjects } from '@clientele/scheduling/contracts';
import { admin, calendar, coach, sessionScheduled, startScheduling } from '../../testing/scheduling-use-cases';

describe('scheduling.cmd.schedule-session', () => {
  let scheduling: UseCaseHarness;
  beforeEach(async () => ({ scheduling } = await startScheduling()));
  afterEach(() => scheduling.close());

  const request = { clientId: 'c1', start: '2030-03-04T09:30:00Z', durationMinutes: 45, location: 'Studio 2', price: { amount: 6000, currency: 'EUR' } };

  it('books the session in the coach’s calendar, the place sealed, and answers it', async () => {
    const session = await scheduling.when<{ id: string }>(SchedulingSubjects.scheduleSession, { actor: coach, data: request });

    expect(session).toMatchObject({ clientId: 'c1', coachId: 'coach-1', start: '2030-03-04T09:30:00.000Z', durationMinutes: 45, location: 'Studio 2', status: 'scheduled' });
    const [scheduled] = await scheduling.newEvents();
    expect(scheduled).toMatchObject({
      streamName: calendar,
      type: 'SessionScheduled',
      data: { sessionId: session.id, clientId: 'c1', accountId: 'a1', coachId: 'coach-1', start: '2030-03-04T09:30:00.000Z', durationMinutes: 45, price: { amount: 6000, currency: 'EUR' } },
    });
    expect(JSON.stringify(scheduled.data.location)).not.toContain('Studio 2');
  });

  it('refuses a slot the coach already holds (coach_double_booked), and records nothing', async () => {
    await scheduling.given(calendar, [sessionScheduled('s1', '2030-03-04T09:00:00.000Z')]);

    await expect(scheduling.when(SchedulingSubjects.scheduleSession, { actor: coach, data: request })).rejects.toMatchObject({ code: 'coach_double_booked' });
    expect(await scheduling.newEvents()).toEqual([]);
  });

  it('lets an admin book another coach of the account, asking identity who that is', async () => {
    scheduling.respond(IdentitySubjects.getStaffMember, () => ({ id: 'coach-1', accountId: 'a1' }));

    await scheduling.when(SchedulingSubjects.scheduleSession, { actor: admin, data: { ...request, coachId: 'coach-1' } });

    expect(await scheduling.newEvents()).toMatchObject([{ streamName: calendar, type: 'SessionScheduled', data: { coachId: 'coach-1' } }]);
  });
});
