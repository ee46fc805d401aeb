import { Deployment, separateProcesses, singleProcess } from './support/deployments';
import { Api, addCoach, newClient, signUp } from './support/http';

/** Sessions, programs and payments per session (issue 13), end to end, in both modes. */
async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const DAY = 24 * 3600_000;
const at = (offsetMs: number) => new Date(Math.floor((Date.now() + offsetMs) / 60_000) * 60_000).toISOString();
const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe.each([
  ['in one process', singleProcess],
  ['as separate processes over NATS', separateProcesses],
])('sessions, programs and payments %s', (_mode, deploy) => {
  let deployment: Deployment;
  let api: Api;

  beforeAll(async () => {
    deployment = deploy();
    api = await deployment.start();
  }, 150_000);
  afterAll(async () => {
    await deployment?.stop();
    await deployment?.cleanup();
  }, 60_000);

  it('schedules, refuses double-booking, reschedules, cancels (freeing the slot) and lists upcoming and past sessions', async () => {
    const business = await signUp(api);
    const coach = await addCoach(business);
    const client = (await coach.api.post('/api/v1/clients', newClient({ type: 'offline' }))).body;
    const nine = at(7 * DAY);
    const booked = await coach.api.post(`/api/v1/clients/${client.id}/sessions`, { start: nine, durationMinutes: 60, location: 'Studio 2', price: eur(5000) });
    expect(booked.status).toBe(201);
    expect(booked.headers.get('location')).toBe(`/api/v1/sessions/${booked.body.id}`);
    expect(booked.body).toMatchObject({ clientId: client.id, coachId: coach.id, start: nine, durationMinutes: 60, online: false, location: 'Studio 2', status: 'scheduled' });
    expect(booked.body.payment).toEqual({ status: 'pending', amount: eur(5000), paidAt: null, refundedAt: null });

    // Another client, same coach, overlapping: refused. Back to back: fine.
    const other = (await coach.api.post('/api/v1/clients', newClient({ type: 'offline' }))).body;
    const clash = await coach.api.post(`/api/v1/clients/${other.id}/sessions`, { start: at(7 * DAY + 30 * 60_000), durationMinutes: 60 });
    expect({ status: clash.status, code: clash.body.code }).toEqual({ status: 409, code: 'coach_double_booked' });
    expect(clash.headers.get('content-type')).toContain('application/problem+json');
    const next = await coach.api.post(`/api/v1/clients/${other.id}/sessions`, { start: at(7 * DAY + 3600_000), durationMinutes: 30, online: true, location: 'https://meet.example/abc' });
    expect(next.status).toBe(201);

    // Reschedule onto the other session: refused; elsewhere: moved. A stale ETag conflicts.
    expect((await coach.api.patch(`/api/v1/sessions/${booked.body.id}`, { start: at(7 * DAY + 3600_000) })).body.code).toBe('coach_double_booked');
    const read = await coach.api.get(`/api/v1/sessions/${booked.body.id}`);
    const etag = read.headers.get('etag')!;
    const moved = await coach.api.patch(`/api/v1/sessions/${booked.body.id}`, { start: at(8 * DAY) }, { 'if-match': etag });
    expect(moved.status).toBe(200);
    expect(moved.body.start).toBe(at(8 * DAY));
    expect((await coach.api.patch(`/api/v1/sessions/${booked.body.id}`, { durationMinutes: 45 }, { 'if-match': etag })).body.code).toBe('concurrency_conflict');

    // Cancelling frees the slot for another booking.
    const cancelled = await coach.api.post(`/api/v1/sessions/${next.body.id}/cancel`, { reason: 'client ill' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancellationReason: 'client ill', payment: null });
    expect((await coach.api.post(`/api/v1/clients/${client.id}/sessions`, { start: at(7 * DAY + 3600_000), durationMinutes: 30 })).status).toBe(201);
    expect((await coach.api.patch(`/api/v1/sessions/${next.body.id}`, { start: at(9 * DAY) })).body.code).toBe('session_not_scheduled');
    // A future session cannot be completed yet.
    expect((await coach.api.post(`/api/v1/sessions/${booked.body.id}/complete`, {})).body.code).toBe('session_not_started');

    // A session that took place (recorded afterwards), completed: it is past.
    const yesterday = await coach.api.post(`/api/v1/clients/${client.id}/sessions`, { start: at(-DAY), durationMinutes: 60 });
    expect((await coach.api.post(`/api/v1/sessions/${yesterday.body.id}/complete`, {})).body.status).toBe('completed');

    const upcoming = await coach.api.get(`/api/v1/clients/${client.id}/sessions?when=upcoming`);
    expect(upcoming.body.items.map((s: { start: string }) => s.start)).toEqual([at(7 * DAY + 3600_000), at(8 * DAY)]);
    expect(upcoming.body).toMatchObject({ page: 1, pageSize: 25, total: 2 });
    const past = await coach.api.get(`/api/v1/clients/${client.id}/sessions?when=past`);
    expect(past.body.items.map((s: { id: string }) => s.id)).toEqual([yesterday.body.id]);
    const coachUpcoming = await coach.api.get('/api/v1/sessions?when=upcoming');
    expect(coachUpcoming.body.total).toBe(2);
    const coachAll = await coach.api.get('/api/v1/sessions');
    expect(coachAll.body.total).toBe(4);

    // Bad input is a 400 problem; another account's session and client are 404.
    expect((await coach.api.post(`/api/v1/clients/${client.id}/sessions`, { start: 'tomorrow', durationMinutes: 60 })).status).toBe(400);
    expect((await coach.api.post(`/api/v1/clients/${client.id}/sessions`, { start: nine, durationMinutes: 60, extra: 1 })).status).toBe(400);
    expect((await coach.api.get('/api/v1/sessions/agenda?tz=Mars/Olympus')).status).toBe(400);
    const stranger = await signUp(api);
    expect((await stranger.admin.get(`/api/v1/sessions/${booked.body.id}`)).body.code).toBe('session_not_found');
    expect((await stranger.admin.get(`/api/v1/clients/${client.id}/sessions`)).status).toBe(404);
    expect((await stranger.admin.post(`/api/v1/sessions/${booked.body.id}/cancel`, {})).status).toBe(404);
  }, 120_000);

  it('lets exactly one of several parallel bookings of one slot win', async () => {
    const business = await signUp(api);
    const coach = await addCoach(business);
    const clients = await Promise.all([1, 2, 3, 4, 5].map(async () => (await coach.api.post('/api/v1/clients', newClient({ type: 'offline' }))).body.id as string));
    const start = at(10 * DAY);
    const answers = await Promise.all(clients.map((id, i) => coach.api.post(`/api/v1/clients/${id}/sessions`, { start: at(10 * DAY + i * 10 * 60_000), durationMinutes: 60 })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'coach_double_booked')).toBe(true);
    const calendar = await coach.api.get(`/api/v1/sessions?from=${encodeURIComponent(start)}`);
    expect(calendar.body.total).toBe(1);
  }, 120_000);

  it("shows a coach the clients they have a session with (list and profile), and nobody else's", async () => {
    const business = await signUp(api);
    const owner = await addCoach(business);
    const cover = await addCoach(business);
    const outsider = await addCoach(business);
    const client = (await owner.api.post('/api/v1/clients', newClient({ type: 'offline', lastName: 'Linked' }))).body;
    const unlinked = (await owner.api.post('/api/v1/clients', newClient({ type: 'offline', lastName: 'Unlinked' }))).body;
    expect((await cover.api.get(`/api/v1/clients/${client.id}`)).status).toBe(404);
    // A coach books only their own calendar; the admin books the covering coach.
    expect((await owner.api.post(`/api/v1/clients/${client.id}/sessions`, { start: at(2 * DAY), durationMinutes: 60, coachId: cover.id })).status).toBe(403);
    const booked = await business.admin.post(`/api/v1/clients/${client.id}/sessions`, { start: at(2 * DAY), durationMinutes: 60, coachId: cover.id });
    expect(booked.status).toBe(201);
    expect(booked.body.coachId).toBe(cover.id);

    const profile = await until(() => cover.api.get(`/api/v1/clients/${client.id}`), (r) => r.status === 200);
    expect(profile.status).toBe(200);
    const list = await cover.api.get('/api/v1/clients');
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([client.id]);
    expect((await cover.api.get('/api/v1/clients?search=linked')).body.items.map((c: { id: string }) => c.id)).toEqual([client.id]);
    // coachId=me keeps its narrow meaning: the clients assigned to me.
    expect((await cover.api.get(`/api/v1/clients?coachId=${cover.id}`)).body.total).toBe(0);
    expect((await cover.api.get(`/api/v1/clients/${client.id}/sessions`)).body.total).toBe(1);
    expect((await cover.api.get(`/api/v1/clients/${unlinked.id}`)).status).toBe(404);
    // No link: still 404 and not listed; another account: 404.
    expect((await outsider.api.get(`/api/v1/clients/${client.id}`)).status).toBe(404);
    expect((await outsider.api.get('/api/v1/clients')).body.total).toBe(0);
    expect((await outsider.api.get(`/api/v1/clients/${client.id}/sessions`)).status).toBe(404);
    expect((await (await signUp(api)).admin.get(`/api/v1/clients/${client.id}`)).status).toBe(404);
    // The assigned coach still sees it, and the session.
    expect((await owner.api.get(`/api/v1/clients/${client.id}/sessions`)).body.total).toBe(1);
    expect((await owner.api.get(`/api/v1/sessions/${booked.body.id}`)).status).toBe(200);

    // Coach home: the covering coach's day and week.
    const agenda = await cover.api.get('/api/v1/sessions/agenda?tz=Europe/Paris');
    expect(agenda.status).toBe(200);
    expect(agenda.body.timezone).toBe('Europe/Paris');
    const all = [...agenda.body.today.items, ...agenda.body.week.items].map((s: { id: string }) => s.id);
    const inWeek = booked.body.start >= agenda.body.week.from && booked.body.start < agenda.body.week.to;
    expect(all.includes(booked.body.id)).toBe(inWeek);
  }, 120_000);

  it('consumes bundles with completed sessions, records payments and refunds, and answers the profile KPIs and chart', async () => {
    const business = await signUp(api);
    const coach = await addCoach(business);
    const client = (await coach.api.post('/api/v1/clients', newClient({ type: 'offline' }))).body;
    const bundle = await coach.api.post(`/api/v1/clients/${client.id}/programs`, { name: '2 sessions', sessions: 2, price: eur(9000) });
    expect(bundle.status).toBe(201);
    expect(bundle.body).toMatchObject({ name: '2 sessions', sessions: 2, used: 0, remaining: 2, status: 'active', price: eur(9000) });
    expect((await coach.api.post(`/api/v1/clients/${client.id}/programs`, { name: 'x', sessions: 0 })).status).toBe(400);

    const book = async (offsetMs: number, price = 6000) => (await coach.api.post(`/api/v1/clients/${client.id}/sessions`, { start: at(offsetMs), durationMinutes: 60, price: eur(price) })).body;
    const s1 = await book(-3 * DAY);
    const s2 = await book(-2 * DAY);
    const s3 = await book(-1 * DAY);
    const s4 = await book(3 * DAY);
    await coach.api.post(`/api/v1/sessions/${s1.id}/complete`, {});
    // Completing again changes nothing (and consumes nothing more).
    expect((await coach.api.post(`/api/v1/sessions/${s1.id}/complete`, {})).status).toBe(200);
    let programs = await coach.api.get(`/api/v1/clients/${client.id}/programs`);
    expect(programs.body.items[0]).toMatchObject({ id: bundle.body.id, used: 1, remaining: 1, status: 'active' });
    await coach.api.post(`/api/v1/sessions/${s2.id}/complete`, { attended: false });
    programs = await coach.api.get(`/api/v1/clients/${client.id}/programs`);
    expect(programs.body.items[0]).toMatchObject({ id: bundle.body.id, used: 2, remaining: 0, status: 'completed', completedReason: 'used_up' });
    expect((await coach.api.get(`/api/v1/clients/${client.id}/programs?status=active`)).body.total).toBe(0);
    await coach.api.post(`/api/v1/sessions/${s3.id}/complete`, {});

    // Payments: s1 paid, s3 paid then refunded, s2 and s4 pending.
    expect((await coach.api.post(`/api/v1/sessions/${s1.id}/payment`, {})).body.payment).toMatchObject({ status: 'paid', amount: eur(6000) });
    expect((await coach.api.post(`/api/v1/sessions/${s1.id}/payment`, {})).body.code).toBe('payment_already_recorded');
    await coach.api.post(`/api/v1/sessions/${s3.id}/payment`, { amount: eur(5500) });
    expect((await coach.api.post(`/api/v1/sessions/${s3.id}/refund`)).body.payment).toMatchObject({ status: 'refunded', amount: eur(5500) });
    expect((await coach.api.post(`/api/v1/sessions/${s3.id}/refund`)).body.code).toBe('payment_not_refundable');
    expect((await coach.api.post(`/api/v1/sessions/${s4.id}/refund`)).status).toBe(409);

    const payments = await coach.api.get(`/api/v1/clients/${client.id}/payments`);
    expect(payments.body.items.map((p: { sessionId: string; status: string }) => [p.sessionId, p.status])).toEqual([
      [s4.id, 'pending'],
      [s3.id, 'refunded'],
      [s2.id, 'pending'],
      [s1.id, 'paid'],
    ]);
    expect((await coach.api.get(`/api/v1/clients/${client.id}/payments?status=paid`)).body.total).toBe(1);

    const summary = await coach.api.get(`/api/v1/clients/${client.id}/sessions/summary`);
    expect(summary.body.sessions).toMatchObject({ completed: 2, noShows: 1, cancelled: 0, upcoming: 1, attendanceRate: 0.667 });
    expect(summary.body.sessions.nextSession.id).toBe(s4.id);
    expect(summary.body.programs).toEqual({ active: 0, completed: 1 });

    const finances = await coach.api.get(`/api/v1/clients/${client.id}/payments/summary`);
    expect(finances.body.revenue).toEqual(eur(6000));
    expect(finances.body.outstanding).toEqual(eur(12000));
    expect(finances.body.lastPayment).toMatchObject({ amount: eur(5500) });
    expect(finances.body.monthly).toHaveLength(12);
    const thisMonth = new Date().toISOString().slice(0, 7);
    expect(finances.body.monthly[11]).toEqual({ month: thisMonth, revenue: eur(6000) });
  }, 120_000);
});
