import { BOTH_MODES, deployedForSuite } from './support/deployments';
import { eventually } from './support/eventually';
import { addCoach, newClient, signUp } from './support/http';

/** Sessions, programs and payments per session (issue 13), end to end, in both modes. */
const until = <T>(probe: () => Promise<T>, accept: (value: T) => boolean) => eventually(probe, accept, { timeoutMs: 15_000 });

const DAY = 24 * 3600_000;
// One minute-aligned origin for the whole file: recomputing it from the clock at each call made a
// start sent and the one expected a minute apart whenever a test crossed a minute boundary.
const ORIGIN = Math.floor(Date.now() / 60_000) * 60_000;
const at = (offsetMs: number) => new Date(ORIGIN + Math.floor(offsetMs / 60_000) * 60_000).toISOString();
const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe.each(BOTH_MODES)('sessions, programs and payments %s', (_mode, deploy) => {
  const deployed = deployedForSuite(deploy);

  it('schedules, refuses double-booking, reschedules, cancels (freeing the slot) and lists upcoming and past sessions', async () => {
    const business = await signUp(deployed.api);
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
    const stranger = await signUp(deployed.api);
    expect((await stranger.admin.get(`/api/v1/sessions/${booked.body.id}`)).body.code).toBe('session_not_found');
    expect((await stranger.admin.get(`/api/v1/clients/${client.id}/sessions`)).status).toBe(404);
    expect((await stranger.admin.post(`/api/v1/sessions/${booked.body.id}/cancel`, {})).status).toBe(404);
  }, 120_000);

  it('lets exactly one of several parallel bookings of one slot win', async () => {
    const business = await signUp(deployed.api);
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
    const business = await signUp(deployed.api);
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
    // Seeing the client is reading its profile's tabs: history and purchases too. Changing it, and
    // the conversation, stay with the assigned coach.
    const history = await cover.api.get(`/api/v1/clients/${client.id}/history`);
    expect(history.status).toBe(200);
    expect(history.body.items[0].type).toBe('ClientAdded');
    expect((await cover.api.get(`/api/v1/clients/${client.id}/purchases`)).body).toEqual({ items: [] });
    expect((await cover.api.patch(`/api/v1/clients/${client.id}`, { phone: '+44 20 7946 0000' })).status).toBe(404);
    expect((await cover.api.post(`/api/v1/clients/${client.id}/notes`, { body: 'Mine now' })).status).toBe(404);
    expect((await cover.api.get(`/api/v1/clients/${client.id}/messages`)).status).toBe(404);
    expect((await outsider.api.get(`/api/v1/clients/${client.id}/history`)).status).toBe(404);
    expect((await outsider.api.get(`/api/v1/clients/${client.id}/purchases`)).status).toBe(404);
    expect((await cover.api.get(`/api/v1/clients/${unlinked.id}`)).status).toBe(404);
    // No link: still 404 and not listed; another account: 404.
    expect((await outsider.api.get(`/api/v1/clients/${client.id}`)).status).toBe(404);
    expect((await outsider.api.get('/api/v1/clients')).body.total).toBe(0);
    expect((await outsider.api.get(`/api/v1/clients/${client.id}/sessions`)).status).toBe(404);
    expect((await (await signUp(deployed.api)).admin.get(`/api/v1/clients/${client.id}`)).status).toBe(404);
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
    const business = await signUp(deployed.api);
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
    // s1 and s2 were taken from the bundle: nothing owed for them on their own, and no payment of their own.
    const s1Now = (await coach.api.get(`/api/v1/sessions/${s1.id}`)).body;
    expect(s1Now).toMatchObject({ bundleId: bundle.body.id, payment: null });
    expect((await coach.api.get(`/api/v1/sessions/${s3.id}`)).body).toMatchObject({ bundleId: null, payment: { status: 'pending' } });
    const twice = await coach.api.post(`/api/v1/sessions/${s1.id}/payment`, {});
    expect({ status: twice.status, code: twice.body.code }).toEqual({ status: 409, code: 'session_covered_by_bundle' });

    // The bundle is paid as a whole, once.
    const paidBundle = await coach.api.post(`/api/v1/clients/${client.id}/programs/${bundle.body.id}/payment`, {});
    expect(paidBundle.status).toBe(200);
    expect(paidBundle.body).toMatchObject({ source: 'coach', payment: { status: 'paid', amount: eur(9000) } });
    expect((await coach.api.post(`/api/v1/clients/${client.id}/programs/${bundle.body.id}/payment`, {})).body.code).toBe('payment_already_recorded');
    const unknown = await coach.api.post(`/api/v1/clients/${client.id}/programs/00000000-0000-0000-0000-000000000000/payment`, {});
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'program_not_found' });
    expect((await coach.api.post(`/api/v1/clients/${client.id}/programs/${bundle.body.id}/payment`, { amount: { amount: -1, currency: 'EUR' } })).status).toBe(400);

    // Payments: the bundle paid, s3 paid then refunded, s4 pending.
    await coach.api.post(`/api/v1/sessions/${s3.id}/payment`, { amount: eur(5500) });
    expect((await coach.api.post(`/api/v1/sessions/${s3.id}/refund`)).body.payment).toMatchObject({ status: 'refunded', amount: eur(5500) });
    expect((await coach.api.post(`/api/v1/sessions/${s3.id}/refund`)).body.code).toBe('payment_not_refundable');
    expect((await coach.api.post(`/api/v1/sessions/${s4.id}/refund`)).status).toBe(409);

    const payments = await coach.api.get(`/api/v1/clients/${client.id}/payments`);
    expect(payments.body.items.map((p: { kind: string; sessionId: string | null; bundleId: string | null; status: string }) => [p.kind, p.sessionId ?? p.bundleId, p.status])).toEqual([
      ['session', s4.id, 'pending'],
      ['bundle', bundle.body.id, 'paid'],
      ['session', s3.id, 'refunded'],
    ]);
    expect((await coach.api.get(`/api/v1/clients/${client.id}/payments?status=paid`)).body.total).toBe(1);

    const summary = await coach.api.get(`/api/v1/clients/${client.id}/sessions/summary`);
    expect(summary.body.sessions).toMatchObject({ completed: 2, noShows: 1, cancelled: 0, upcoming: 1, attendanceRate: 0.667 });
    expect(summary.body.sessions.nextSession.id).toBe(s4.id);
    expect(summary.body.programs).toEqual({ active: 0, completed: 1 });

    const finances = await coach.api.get(`/api/v1/clients/${client.id}/payments/summary`);
    expect(finances.body.revenue).toEqual(eur(9000));
    expect(finances.body.outstanding).toEqual(eur(6000));
    expect(finances.body.lastPayment).toMatchObject({ kind: 'session', sessionId: s3.id, amount: eur(5500) });
    expect(finances.body.monthly).toHaveLength(12);
    const thisMonth = new Date().toISOString().slice(0, 7);
    expect(finances.body.monthly[11]).toEqual({ month: thisMonth, revenue: eur(9000) });
    expect(finances.body.otherCurrencies).toEqual([]);
    // A session billed in another currency is summed apart, not mixed into the euros.
    const inDollars = await coach.api.post(`/api/v1/clients/${client.id}/sessions`, { start: at(-4 * DAY), durationMinutes: 60, price: { amount: 7000, currency: 'USD' } });
    expect(inDollars.status).toBe(201);
    const mixed = (await coach.api.get(`/api/v1/clients/${client.id}/payments/summary`)).body;
    expect(mixed.outstanding).toEqual(eur(6000));
    expect(mixed.otherCurrencies).toEqual([{ currency: 'USD', revenue: { amount: 0, currency: 'USD' }, outstanding: { amount: 7000, currency: 'USD' } }]);

    // A refunded bundle leaves the revenue.
    expect((await coach.api.post(`/api/v1/clients/${client.id}/programs/${bundle.body.id}/refund`)).body.payment).toMatchObject({ status: 'refunded' });
    expect((await coach.api.post(`/api/v1/clients/${client.id}/programs/${bundle.body.id}/refund`)).body.code).toBe('payment_not_refundable');
    expect((await coach.api.get(`/api/v1/clients/${client.id}/payments/summary`)).body.revenue).toEqual(eur(0));
  }, 120_000);

  it('gives the buyer of a session pack a paid bundle, which their completed sessions then use', async () => {
    const business = await signUp(deployed.api);
    const pack = await business.admin.post('/api/v1/products', { name: '3-session pack', price: eur(15000), clientType: 'offline', sessionPack: { sessions: 3, validForDays: 30 } });
    expect(pack.status).toBe(201);
    expect(pack.body.sessionPack).toEqual({ sessions: 3, validForDays: 30 });
    expect((await deployed.api.get(`/api/v1/checkout/products/${pack.body.id}`)).body.sessionPack).toEqual({ sessions: 3, validForDays: 30 });
    const badPack = await business.admin.post('/api/v1/products', { name: 'Bad', price: eur(100), sessionPack: { sessions: 0 } });
    expect({ status: badPack.status, code: badPack.body.code }).toEqual({ status: 400, code: 'validation_failed' });

    const email = `pack.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@example.com`;
    const bought = await deployed.api.post('/api/v1/checkout', { productId: pack.body.id, buyer: { firstName: 'Pat', lastName: 'Pack', email } }, { 'idempotency-key': `pack-${email}` });
    expect(bought.status).toBe(201);
    const client = await until(
      async () => (await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`)).body.items[0],
      (found) => found !== undefined,
    );
    // The bundle shows paid from its first appearance: the projection commits BundleCreated of a
    // pack sold at checkout as paid, before it applies BundlePaymentRecorded of the same append.
    const programs = await until(
      async () => (await business.admin.get(`/api/v1/clients/${client.id}/programs`)).body,
      (page) => page.total === 1,
    );
    const bundle = programs.items[0];
    expect(bundle).toMatchObject({ name: '3-session pack', sessions: 3, remaining: 3, status: 'active', source: 'product', productId: pack.body.id, price: eur(15000) });
    expect(bundle.payment).toMatchObject({ status: 'paid', amount: eur(15000) });
    expect(Date.parse(bundle.expiresAt) - Date.parse(bundle.createdAt)).toBe(30 * DAY);

    // The same purchase delivered again gives no second bundle (the checkout answers the same purchase).
    expect((await deployed.api.post('/api/v1/checkout', { productId: pack.body.id, buyer: { firstName: 'Pat', lastName: 'Pack', email } }, { 'idempotency-key': `pack-${email}` })).status).toBe(201);

    const session = (await business.admin.post(`/api/v1/clients/${client.id}/sessions`, { start: at(-2 * 3600_000), durationMinutes: 60, price: eur(6000) })).body;
    const completed = await business.admin.post(`/api/v1/sessions/${session.id}/complete`, {});
    expect(completed.body).toMatchObject({ status: 'completed', bundleId: bundle.id, payment: null });
    const after = (await business.admin.get(`/api/v1/clients/${client.id}/programs`)).body;
    expect(after.total).toBe(1);
    expect(after.items[0]).toMatchObject({ used: 1, remaining: 2 });

    const finances = (await business.admin.get(`/api/v1/clients/${client.id}/payments/summary`)).body;
    expect(finances).toMatchObject({ revenue: eur(15000), outstanding: eur(0), lastPayment: { kind: 'bundle', bundleId: bundle.id, amount: eur(15000) } });
    const payments = (await business.admin.get(`/api/v1/clients/${client.id}/payments`)).body;
    expect(payments.items).toEqual([
      expect.objectContaining({ kind: 'bundle', bundleId: bundle.id, bundleName: '3-session pack', sessionId: null, status: 'paid', amount: eur(15000) }),
    ]);
  }, 120_000);

  it("cancels a deleted client's coming sessions, freeing the coach's slots, and keeps the past ones", async () => {
    const business = await signUp(deployed.api);
    const coach = await addCoach(business);
    const client = (await coach.api.post('/api/v1/clients', newClient({ type: 'offline' }))).body;
    const past = (await coach.api.post(`/api/v1/clients/${client.id}/sessions`, { start: at(-DAY), durationMinutes: 60, location: '12 Garden Lane' })).body;
    expect(past.location).toBe('12 Garden Lane');
    await coach.api.post(`/api/v1/sessions/${past.id}/complete`, {});
    const coming = (await coach.api.post(`/api/v1/clients/${client.id}/sessions`, { start: at(5 * DAY), durationMinutes: 60 })).body;
    const later = (await coach.api.post(`/api/v1/clients/${client.id}/sessions`, { start: at(6 * DAY), durationMinutes: 60 })).body;

    expect((await business.admin.call('DELETE', `/api/v1/clients/${client.id}`)).status).toBe(204);
    const cancelled = await until(
      async () => (await business.admin.get('/api/v1/sessions?when=upcoming&coachId=' + coach.id)).body,
      (page) => page.total === 0,
    );
    expect(cancelled.total).toBe(0);
    for (const id of [coming.id, later.id]) {
      expect((await business.admin.get(`/api/v1/sessions/${id}`)).body).toMatchObject({ status: 'cancelled', cancellationReason: 'The client was deleted.' });
    }
    // Where they met was the client's personal data: erased with the client (by the same reaction,
    // after it cancelled the coming sessions, so it may show a moment after them).
    const erased = await until(
      async () => (await business.admin.get(`/api/v1/sessions/${past.id}`)).body,
      (session) => session.location === null,
    );
    expect(erased).toMatchObject({ status: 'completed', location: null });
    // A deleted client's session can no longer be moved (their data is erased).
    expect((await business.admin.patch(`/api/v1/sessions/${past.id}`, { location: 'Elsewhere' })).status).toBe(404);
    // The slot is free for another client.
    const other = (await coach.api.post('/api/v1/clients', newClient({ type: 'offline' }))).body;
    expect((await coach.api.post(`/api/v1/clients/${other.id}/sessions`, { start: at(5 * DAY), durationMinutes: 60 })).status).toBe(201);
  }, 120_000);
});
