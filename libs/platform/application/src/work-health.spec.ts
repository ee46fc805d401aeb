import { DEFAULT_FAILING_THRESHOLD, WorkHealth, serviceOfWorker } from './work-health';

/** The thresholds of "keeps failing", on a clock the test moves. */
describe('WorkHealth thresholds', () => {
  let now = Date.parse('2026-01-05T09:00:00.000Z');
  const clock = () => now;
  const health = () => new WorkHealth(DEFAULT_FAILING_THRESHOLD, clock);

  it('needs 5 failures in a row over at least 10 s: a burst of quick retries after one fault is not reported', () => {
    const work = health();
    const streak = work.track('identity_client_logins', 'identity');
    for (let i = 0; i < 8; i++) {
      streak.failed(new Error('store blinked'));
      now += 100;
    }
    expect(work.failing()).toEqual([]);
    now += 10_000;
    streak.failed(new Error('a document needs a non-empty string id'));
    expect(work.failing('identity')).toEqual([
      'identity_client_logins has failed 9 times in a row since 2026-01-05T09:00:00.000Z (no success since it started): a document needs a non-empty string id',
    ]);
    expect(work.report('identity')).toEqual({ status: 'degraded', failing: work.failing('identity') });
    expect(work.report('clients')).toEqual({ status: 'ok' });
  });

  it('a success ends the streak, and the next one starts from zero', () => {
    const work = health();
    const streak = work.track('clients_views', 'clients');
    for (let i = 0; i < 6; i++) {
      streak.failed(new Error('x'));
      now += 3_000;
    }
    expect(work.failing()).toHaveLength(1);
    streak.succeeded();
    expect(work.failing()).toEqual([]);
    expect(streak.lastSuccessAt).toBe(now);
    streak.failed(new Error('y'));
    expect(streak.consecutiveFailures).toBe(1);
  });

  it('is no longer reported once it has not failed for a minute (a dead-lettered poison event, then nothing to do)', () => {
    const work = health();
    const streak = work.track('notifications--identity', 'notifications');
    for (const delay of [0, 200, 1000, 5000, 5000]) {
      now += delay;
      streak.failed(new Error('poison'));
    }
    expect(work.failing()).toHaveLength(1);
    now += 60_001;
    expect(work.failing()).toEqual([]);
  });

  it('knows the service of a worker from its name', () => {
    expect(serviceOfWorker('identity_client_logins')).toBe('identity');
    expect(serviceOfWorker('notifications--identity')).toBe('notifications');
    expect(serviceOfWorker('clients--billing--enrolment')).toBe('clients');
  });
});
