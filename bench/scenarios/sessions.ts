/**
 * `sessions` (issue 13): booking a session (POST /api/v1/clients/:id/sessions) in the embedded
 * deployment, one at a time, p50/p99, into an empty calendar and into a calendar already holding
 * many sessions; and completing a session that consumes a bundle (two streams written, the answer
 * waits for both projections). Floor: the raw HTTP echo route of the same server, same client.
 *
 * The booking decides over the coach's whole calendar (no double-booking), so its cost grows with
 * the calendar: this is the figure that says when the calendar stream wants a snapshot or the
 * stream-state cache.
 */
import { newClient } from '../../test/support/http';
import { scenarioOnBusiness } from '../lib/business';
import type { Figure } from '../lib/figures';
import { pct } from '../lib/measure';
import { waitIdle } from '../lib/system';

const ECHO_PATH = '/__bench/echo';
const HOUR = 3_600_000;

export const sessionsScenario = scenarioOnBusiness({
  name: 'sessions',
  title: 'book a session into an empty and a full calendar, complete one that uses a bundle (embedded), p50/p99 vs a raw HTTP echo',
  needs: 'embedded',
  async run(context, system, { admin, open }) {
    const q = context.quick;
    const prefill = q ? 40 : 1000;
    const samples = q ? 20 : 150;
    const echo = open();
    const client = await admin.expect<{ id: string }>(201, 'POST', '/api/v1/clients', newClient({ type: 'offline' }));
    // Future slots an hour apart, each booking in its own: the calendar grows, nothing clashes.
    let slot = Math.ceil(Date.now() / HOUR) + 24;
    const book = (body: Record<string, unknown> = {}) =>
      admin.expect<{ id: string }>(201, 'POST', `/api/v1/clients/${client.id}/sessions`, { start: new Date(slot++ * HOUR).toISOString(), durationMinutes: 45, ...body });
    const timed = async (work: () => Promise<unknown>, count: number): Promise<number[]> => {
      const ms: number[] = [];
      for (let i = 0; i < count; i++) {
        const t = process.hrtime.bigint();
        await work();
        ms.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      return ms;
    };
    const raw = await timed(() => echo.expect(200, 'POST', ECHO_PATH, { start: new Date().toISOString(), durationMinutes: 45 }), samples * 2);

    const empty = await timed(() => book(), samples);
    for (let i = samples; i < prefill; i++) await book();
    await waitIdle(system, context.log);
    const full = await timed(() => book(), samples);

    // Completions that consume a bundle: sessions that began in the past, one bundle big enough.
    await admin.expect(201, 'POST', `/api/v1/clients/${client.id}/programs`, { name: 'Bench pack', sessions: samples, price: { amount: 0, currency: 'EUR' } });
    let past = Math.floor(Date.now() / HOUR) - samples - 2;
    const held: string[] = [];
    for (let i = 0; i < samples; i++) {
      held.push(
        (await admin.expect<{ id: string }>(201, 'POST', `/api/v1/clients/${client.id}/sessions`, { start: new Date(past++ * HOUR).toISOString(), durationMinutes: 45 })).id,
      );
    }
    await waitIdle(system, context.log);
    let next = 0;
    const complete = await timed(() => admin.expect(200, 'POST', `/api/v1/sessions/${held[next++]}/complete`, {}), samples);
    const covered = await admin.expect<{ bundleId: string | null }>(200, 'GET', `/api/v1/sessions/${held[samples - 1]}`);
    if (!covered.bundleId) throw new Error('a completed session was not taken from the bundle');
    context.log(`  ${samples} bookings into an empty calendar, ${samples} into one of ${prefill} (+${2 * samples} more), ${samples} completions using a bundle, one at a time`);

    const floorIs = 'raw HTTP echo route';
    const base = { scenario: 'sessions', floorIs, better: 'lower' as const };
    const rawP50 = pct(raw, 0.5);
    const rawP99 = pct(raw, 0.99);
    return [
      { ...base, name: 'session-book-empty-calendar-p50', unit: 'ms', value: pct(empty, 0.5), floor: rawP50 },
      { ...base, name: 'session-book-empty-calendar-p99', unit: 'ms', value: pct(empty, 0.99), floor: rawP99 },
      { ...base, name: `session-book-calendar-of-${prefill}-p50`, unit: 'ms', value: pct(full, 0.5), floor: rawP50 },
      { ...base, name: `session-book-calendar-of-${prefill}-p99`, unit: 'ms', value: pct(full, 0.99), floor: rawP99 },
      { ...base, name: 'session-complete-with-bundle-p50', unit: 'ms', value: pct(complete, 0.5), floor: rawP50 },
      { ...base, name: 'session-complete-with-bundle-p99', unit: 'ms', value: pct(complete, 0.99), floor: rawP99 },
    ] satisfies Figure[];
  },
});
