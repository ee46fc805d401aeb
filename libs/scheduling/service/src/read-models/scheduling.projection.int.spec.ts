import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { applyTwice } from '@clientele/platform/testing';
import type { CalendarEvent, ProgramsEvent } from '@clientele/scheduling/domain';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyStore, PersonalDataCipher, isSealed } from '@clientele/platform/privacy';
import { CalendarCodec } from '../calendar-codec';
import { PROGRAMS, PURCHASES, ProgramDoc, PurchaseDoc, SESSIONS, SessionDoc, paidSummary, toProgramView, toSessionView } from './documents';
import { paymentSummary, sessionSummary } from './kpis';
import { SchedulingProjection } from './scheduling.projection';

describe('SchedulingProjection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scheduling-projection-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same sessions, programs and KPIs when every event is applied twice', async () => {
    const events = new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
    const documents = new SqliteDocumentStore({ filename: join(dir, 'documents.sqlite') });
    const at = '2026-11-10T10:00:00.000Z';
    const eur = (amount: number) => ({ amount, currency: 'EUR' });
    const ref = (sessionId: string) => ({ sessionId, clientId: 'c1', accountId: 'a1' });
    const scheduled = (sessionId: string, start: string): CalendarEvent => ({
      type: 'SessionScheduled',
      data: { ...ref(sessionId), coachId: 'coach1', start, durationMinutes: 60, online: true, location: 'https://meet.example/x', price: eur(5000), scheduledAt: at },
    });
    const calendar: CalendarEvent[] = [
      scheduled('s1', '2026-11-02T09:00:00.000Z'),
      scheduled('s2', '2026-11-03T09:00:00.000Z'),
      scheduled('s3', '2099-01-01T09:00:00.000Z'),
      scheduled('s4', '2099-01-02T09:00:00.000Z'),
      { type: 'SessionCompleted', data: { ...ref('s1'), start: '2026-11-02T09:00:00.000Z', attended: true, completedAt: at } },
      { type: 'SessionCompleted', data: { ...ref('s2'), start: '2026-11-03T09:00:00.000Z', attended: false, completedAt: at } },
      { type: 'SessionPaymentRecorded', data: { ...ref('s1'), amount: eur(5000), paidAt: at } },
      { type: 'SessionPaymentRecorded', data: { ...ref('s2'), amount: eur(5000), paidAt: at } },
      { type: 'SessionPaymentRefunded', data: { ...ref('s2'), amount: eur(5000), paidAt: at, refundedAt: at } },
      {
        type: 'SessionRescheduled',
        data: { ...ref('s3'), previousStart: '2099-01-01T09:00:00.000Z', start: '2099-01-01T11:00:00.000Z', durationMinutes: 30, online: false, location: 'Park', rescheduledAt: at },
      },
      { type: 'SessionCancelled', data: { ...ref('s4'), reason: 'travel', cancelledAt: at } },
      scheduled('s5', '2026-11-04T09:00:00.000Z'),
      { type: 'SessionCompleted', data: { ...ref('s5'), start: '2026-11-04T09:00:00.000Z', attended: true, prepaid: false, completedAt: at } },
      { type: 'SessionCoveredByBundle', data: { ...ref('s5'), bundleId: 'b2', coveredAt: at } },
    ];
    const created = (bundleId: string, sessions: number, purchaseId: string | null = null, price = 9000): ProgramsEvent => ({
      type: 'BundleCreated',
      data: { bundleId, clientId: 'c1', accountId: 'a1', name: 'Pack', sessions, price: eur(price), productId: purchaseId ? 'prod1' : null, purchaseId, expiresAt: null, createdBy: 'coach1', createdAt: at },
    });
    const bundlePaid = (bundleId: string, amount: number): ProgramsEvent => ({ type: 'BundlePaymentRecorded', data: { bundleId, clientId: 'c1', accountId: 'a1', amount: eur(amount), paidAt: at } });
    const refundOf = (purchaseId: string, bundleId: string | null, amount: number, total: number): ProgramsEvent => ({
      type: 'PurchaseRefundRecorded',
      data: { purchaseId, clientId: 'c1', accountId: 'a1', bundleId, amount: eur(amount), refundedTotal: eur(total), refundedAt: at },
    });
    const programs: ProgramsEvent[] = [
      created('b1', 1),
      created('b2', 3),
      { type: 'BundleSessionConsumed', data: { bundleId: 'b1', clientId: 'c1', accountId: 'a1', sessionId: 's1', remaining: 0, consumedAt: at } },
      { type: 'BundleUsedUp', data: { bundleId: 'b1', clientId: 'c1', accountId: 'a1', usedUpAt: at } },
      { type: 'BundleSessionConsumed', data: { bundleId: 'b2', clientId: 'c1', accountId: 'a1', sessionId: 's2', remaining: 2, consumedAt: at } },
      bundlePaid('b1', 9000),
      created('b3', 10, 'purchase1', 12000),
      bundlePaid('b3', 12000),
      { type: 'BundleSessionConsumed', data: { bundleId: 'b2', clientId: 'c1', accountId: 'a1', sessionId: 's5', remaining: 1, consumedAt: at } },
      // A product bought at checkout (not a pack), refunded in part, then in part again; the pack b3's purchase refunded in full.
      { type: 'ProductPaymentRecorded', data: { purchaseId: 'purchase2', clientId: 'c1', accountId: 'a1', productId: 'prod2', productName: 'Meal plan', amount: eur(3000), paidAt: at } },
      refundOf('purchase2', null, 500, 500),
      refundOf('purchase2', null, 500, 1000),
      refundOf('purchase1', 'b3', 12000, 12000),
    ];
    const codec = new CalendarCodec(new PersonalDataCipher(new KeyStore(documents)));
    // Calendar events are stored as the service stores them: locations sealed.
    const append = async (stream: string, list: Array<CalendarEvent | ProgramsEvent>) =>
      events.appendToStream(
        stream,
        await Promise.all(
          list.map(async (e) => ({
            id: randomUUID(),
            type: e.type,
            data: stream.startsWith('calendar-') ? await codec.encode(e as CalendarEvent) : (e.data as unknown as Record<string, unknown>),
            metadata: { occurredAt: at },
          })),
        ),
        { expectedRevision: 'any' },
      );
    // Interleaved across streams, as a live system writes them.
    await append('calendar-coach1', calendar.slice(0, 5));
    await append('programs-c1', programs.slice(0, 4));
    await append('calendar-coach1', calendar.slice(5));
    await append('programs-c1', programs.slice(4));

    const stored = await events.readAll();
    const locations = stored.filter((e) => e.type === 'SessionScheduled').map((e) => e.data.location);
    expect(locations.every(isSealed)).toBe(true);
    expect(JSON.stringify(stored.map((e) => e.data))).not.toContain('meet.example');
    const { once, twice } = await applyTwice(documents, new SchedulingProjection(documents, codec), stored, [SESSIONS, PROGRAMS, PURCHASES]);
    expect(twice).toEqual(once);

    const purchases = (once as Record<string, PurchaseDoc[]>)[PURCHASES];
    expect(purchases.map((p) => [p.id, p.bundleId, paidSummary(p.paid).status, paidSummary(p.paid).refunded?.amount])).toEqual([
      ['purchase1', 'b3', 'refunded', 12000],
      ['purchase2', null, 'paid', 1000],
    ]);
    const sessions = (once as Record<string, SessionDoc[]>)[SESSIONS];
    const bundles = (once as Record<string, ProgramDoc[]>)[PROGRAMS];
    expect(sessions.map((s) => [s.id, s.status, toSessionView(s).payment?.status ?? null])).toEqual([
      ['s1', 'completed', 'paid'],
      ['s2', 'no_show', 'refunded'],
      ['s3', 'scheduled', 'pending'],
      ['s4', 'cancelled', null],
      // Taken from a bundle: nothing owed for it on its own.
      ['s5', 'completed', null],
    ]);
    expect(toSessionView(sessions.find((s) => s.id === 's5')!).bundleId).toBe('b2');
    expect(sessions.find((s) => s.id === 's3')).toMatchObject({ start: '2099-01-01T11:00:00.000Z', end: '2099-01-01T11:30:00.000Z', location: 'Park', online: false });
    const now = new Date('2026-11-21T00:00:00.000Z');
    expect(bundles.map((b) => toProgramView(b, now)).map((p) => [p.id, p.used, p.remaining, p.status])).toEqual([
      ['b1', 1, 0, 'completed'],
      ['b2', 2, 1, 'active'],
      ['b3', 0, 10, 'active'],
    ]);
    expect(bundles.map((b) => toProgramView(b, now)).map((p) => [p.id, p.source, p.payment?.status ?? null])).toEqual([
      ['b1', 'coach', 'paid'],
      ['b2', 'coach', 'pending'],
      ['b3', 'product', 'refunded'],
    ]);
    const summary = sessionSummary(sessions, bundles, now);
    expect(summary.sessions).toMatchObject({ completed: 2, noShows: 1, cancelled: 1, upcoming: 1, attendanceRate: 0.667 });
    expect(summary.programs).toEqual({ active: 2, completed: 1 });
    const finances = paymentSummary(sessions, bundles, now, 'EUR', purchases);
    // s1, the bundle b1 and the product purchase2 (less what went back of it) were paid (s2 and b3 were
    // refunded); s3 and the bundle b2 are owed, s5 was taken from b2.
    expect(finances.revenue).toEqual(eur(5000 + 9000 + (3000 - 1000)));
    expect(finances.outstanding).toEqual(eur(5000 + 9000));
    await events.close();
    await documents.close();
  });

  it('shows a session pack bought at checkout as paid from the commit of its BundleCreated, before its payment event is applied', async () => {
    const events = new SqliteEventStore({ filename: join(dir, 'pack-events.sqlite') });
    const documents = new SqliteDocumentStore({ filename: join(dir, 'pack-documents.sqlite') });
    const projection = new SchedulingProjection(documents, new CalendarCodec(new PersonalDataCipher(new KeyStore(documents))));
    const at = '2026-11-10T10:00:00.000Z';
    const eur = (amount: number) => ({ amount, currency: 'EUR' });
    const created = (bundleId: string, purchaseId: string | null, price: number): ProgramsEvent => ({
      type: 'BundleCreated',
      data: { bundleId, clientId: 'c1', accountId: 'a1', name: 'Pack', sessions: 3, price: eur(price), productId: purchaseId ? 'prod1' : null, purchaseId, expiresAt: null, createdBy: 'billing', createdAt: at },
    });
    const append = (list: ProgramsEvent[]) =>
      events.appendToStream(
        'programs-c1',
        list.map((e) => ({ id: randomUUID(), type: e.type, data: e.data as unknown as Record<string, unknown>, metadata: { occurredAt: at } })),
        { expectedRevision: 'any' },
      );
    // As the decider appends a paid pack: both events at once. The projection commits each on its own.
    await append([created('sold', 'purchase1', 15000), { type: 'BundlePaymentRecorded', data: { bundleId: 'sold', clientId: 'c1', accountId: 'a1', amount: eur(15000), paidAt: at } }]);
    await append([created('free', 'purchase2', 0)]);
    await append([created('coach', null, 9000)]);
    const [soldCreated, ...rest] = await events.readAll();
    const view = async (id: string) => toProgramView((await documents.collection<ProgramDoc>(PROGRAMS).get(id))!, new Date(at)).payment;

    await documents.commit(await projection.handle(soldCreated));
    expect(await view('sold')).toEqual({ status: 'paid', amount: eur(15000), paidAt: at, refundedAt: null });

    // Its payment event, applied next, changes nothing a reader sees.
    for (const e of rest) await documents.commit(await projection.handle(e));
    expect(await view('sold')).toEqual({ status: 'paid', amount: eur(15000), paidAt: at, refundedAt: null });
    // A free pack has nothing to pay; a coach's bundle is owed until the coach records its payment.
    expect(await view('free')).toBeNull();
    expect(await view('coach')).toMatchObject({ status: 'pending', amount: eur(9000) });
    await Promise.all([events.close(), documents.close()]);
  });

  it("erases a deleted client's session locations: in the read model at once, and in every replay once the key is shredded", async () => {
    const events = new SqliteEventStore({ filename: join(dir, 'erase-events.sqlite') });
    const documents = new SqliteDocumentStore({ filename: join(dir, 'erase-documents.sqlite') });
    const codec = new CalendarCodec(new PersonalDataCipher(new KeyStore(documents)));
    const at = '2026-11-10T10:00:00.000Z';
    const scheduled: CalendarEvent = {
      type: 'SessionScheduled',
      data: { sessionId: 's1', clientId: 'c1', accountId: 'a1', coachId: 'coach1', start: '2026-11-02T09:00:00.000Z', durationMinutes: 60, online: false, location: '12 Garden Lane', price: { amount: 0, currency: 'EUR' }, scheduledAt: at },
    };
    const erased: ProgramsEvent = { type: 'ClientErased', data: { clientId: 'c1', accountId: 'a1', erasedAt: at } };
    await events.appendToStream('calendar-coach1', [{ id: randomUUID(), type: scheduled.type, data: await codec.encode(scheduled), metadata: { occurredAt: at } }], { expectedRevision: 'any' });
    const projection = new SchedulingProjection(documents, codec);
    for (const e of await events.readAll()) await documents.commit(await projection.handle(e));
    expect((await documents.collection<SessionDoc>(SESSIONS).get('s1'))?.location).toBe('12 Garden Lane');

    await events.appendToStream('programs-c1', [{ id: randomUUID(), type: erased.type, data: erased.data, metadata: { occurredAt: at } }], { expectedRevision: 'any' });
    const { once, twice } = await applyTwice(documents, projection, await events.readAll(), [SESSIONS]);
    expect(twice).toEqual(once);
    expect((once as Record<string, SessionDoc[]>)[SESSIONS][0].location).toBeNull();

    // Shredded: a rebuild from the events cannot bring it back.
    await codec.cipher.shred('c1');
    const scratch = new SqliteDocumentStore({ filename: join(dir, 'erase-scratch.sqlite') });
    const rebuilt = new SchedulingProjection(scratch, new CalendarCodec(new PersonalDataCipher(new KeyStore(documents))));
    const replay = await events.readAll();
    await scratch.commit(await rebuilt.handle(replay[0]));
    expect((await scratch.collection<SessionDoc>(SESSIONS).get('s1'))?.location).toBeNull();
    await Promise.all([events.close(), documents.close(), scratch.close()]);
  });
});
