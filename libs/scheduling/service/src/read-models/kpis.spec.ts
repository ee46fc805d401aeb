import { ProgramDoc, SessionDoc } from './documents';
import { agendaWindows, lastTwelveMonths, paymentSummary, sessionSummary } from './kpis';

const now = new Date('2026-11-21T10:00:00.000Z');
const eur = (amount: number) => ({ amount, currency: 'EUR' });
let n = 0;
const session = (start: string, status: SessionDoc['status'], price = 5000, paid: SessionDoc['paid'] = null): SessionDoc => ({
  id: `s${++n}`,
  accountId: 'a1',
  clientId: 'c1',
  coachId: 'coach1',
  start,
  end: start,
  durationMinutes: 60,
  online: false,
  location: null,
  price: eur(price),
  status,
  paid,
  cancellationReason: null,
  createdAt: start,
  updatedAt: start,
  version: 0,
});
const program = (sessions: number, used: number, expiresAt: string | null = null): ProgramDoc => ({
  id: `p${++n}`,
  accountId: 'a1',
  clientId: 'c1',
  name: 'Pack',
  sessions,
  used,
  price: eur(0),
  productId: null,
  purchaseId: null,
  expiresAt,
  createdAt: '2026-01-01T00:00:00.000Z',
  usedUpAt: null,
  paid: null,
  version: 0,
});

describe('client KPIs', () => {
  it('counts completed and upcoming sessions, the attendance rate and the next session; programs active and completed', () => {
    const next = session('2026-11-22T09:00:00.000Z', 'scheduled');
    const sessions = [
      session('2026-11-01T09:00:00.000Z', 'completed'),
      session('2026-11-02T09:00:00.000Z', 'completed'),
      session('2026-11-03T09:00:00.000Z', 'completed'),
      session('2026-11-04T09:00:00.000Z', 'no_show'),
      session('2026-11-05T09:00:00.000Z', 'cancelled'),
      session('2026-11-20T09:00:00.000Z', 'scheduled'), // past, never completed: not upcoming
      session('2026-11-29T09:00:00.000Z', 'scheduled'),
      next,
    ];
    const summary = sessionSummary(sessions, [program(5, 2), program(5, 5), program(5, 1, '2026-11-01T00:00:00.000Z')], now);
    expect(summary.sessions).toMatchObject({ completed: 3, noShows: 1, cancelled: 1, upcoming: 2, attendanceRate: 0.75 });
    expect(summary.sessions.nextSession?.id).toBe(next.id);
    expect(summary.programs).toEqual({ active: 1, completed: 2 });
    expect(sessionSummary([], [], now).sessions).toEqual({ completed: 0, noShows: 0, cancelled: 0, upcoming: 0, attendanceRate: null, nextSession: null });
  });

  it('sums revenue (refunds taken out), outstanding and the last payment, with 12 months of chart ending this month', () => {
    const sessions = [
      session('2026-11-01T09:00:00.000Z', 'completed', 5000, { amount: eur(5000), paidAt: '2026-11-01T10:00:00.000Z', refundedAt: null }),
      session('2026-10-01T09:00:00.000Z', 'completed', 4000, { amount: eur(4000), paidAt: '2026-10-01T10:00:00.000Z', refundedAt: null }),
      session('2026-09-01T09:00:00.000Z', 'completed', 3000, { amount: eur(3000), paidAt: '2026-09-01T10:00:00.000Z', refundedAt: '2026-09-02T10:00:00.000Z' }),
      session('2025-06-01T09:00:00.000Z', 'completed', 1000, { amount: eur(1000), paidAt: '2025-06-01T10:00:00.000Z', refundedAt: null }), // before the chart
      session('2026-11-10T09:00:00.000Z', 'completed', 2500), // owed
      session('2026-11-25T09:00:00.000Z', 'scheduled', 2500), // owed
      session('2026-11-12T09:00:00.000Z', 'cancelled', 2500), // not owed
    ];
    const summary = paymentSummary(sessions, [], now);
    expect(summary.revenue).toEqual(eur(10000));
    expect(summary.outstanding).toEqual(eur(5000));
    expect(summary.lastPayment).toMatchObject({ amount: eur(5000), paidAt: '2026-11-01T10:00:00.000Z' });
    expect(summary.monthly).toHaveLength(12);
    expect(summary.monthly[0].month).toBe('2025-12');
    expect(summary.monthly[11]).toEqual({ month: '2026-11', revenue: eur(5000) });
    expect(summary.monthly.find((m) => m.month === '2026-10')!.revenue).toEqual(eur(4000));
    expect(summary.monthly.find((m) => m.month === '2026-09')!.revenue).toEqual(eur(0));
  });

  it('counts bundles paid as a whole, and owes nothing for a session taken from a bundle', () => {
    const covered = { ...session('2026-11-10T09:00:00.000Z', 'completed', 2500), bundleId: 'p-covering' };
    const paidPack = { ...program(10, 1), id: 'p-paid', price: eur(20000), purchaseId: 'purchase1', createdAt: '2026-11-05T00:00:00.000Z', paid: { amount: eur(20000), paidAt: '2026-11-05T00:00:00.000Z', refundedAt: null } };
    const owedPack = { ...program(5, 0), id: 'p-owed', price: eur(9000), createdAt: '2026-11-06T00:00:00.000Z' };
    const refundedPack = { ...program(5, 0), id: 'p-refunded', price: eur(7000), paid: { amount: eur(7000), paidAt: '2026-10-01T00:00:00.000Z', refundedAt: '2026-10-02T00:00:00.000Z' } };
    const summary = paymentSummary([covered], [paidPack, owedPack, refundedPack], now);
    expect(summary.revenue).toEqual(eur(20000));
    expect(summary.outstanding).toEqual(eur(9000));
    expect(summary.lastPayment).toEqual({ kind: 'bundle', sessionId: null, bundleId: 'p-paid', amount: eur(20000), paidAt: '2026-11-05T00:00:00.000Z' });
    expect(summary.monthly[11]).toEqual({ month: '2026-11', revenue: eur(20000) });
  });

  it('sums what was billed in another currency apart', () => {
    const usd = (amount: number) => ({ amount, currency: 'USD' });
    const older = { ...session('2026-10-01T09:00:00.000Z', 'completed', 3000), price: usd(3000), paid: { amount: usd(3000), paidAt: '2026-10-01T10:00:00.000Z', refundedAt: null } };
    const owedUsd = { ...session('2026-10-02T09:00:00.000Z', 'completed', 2000), price: usd(2000) };
    const latest = session('2026-11-15T09:00:00.000Z', 'completed', 5000, { amount: eur(5000), paidAt: '2026-11-15T10:00:00.000Z', refundedAt: null });
    const summary = paymentSummary([older, owedUsd, latest], [], now);
    expect(summary.revenue).toEqual(eur(5000));
    expect(summary.otherCurrencies).toEqual([{ currency: 'USD', revenue: usd(3000), outstanding: usd(2000) }]);
    expect(paymentSummary([latest], [], now).otherCurrencies).toEqual([]);
  });

  it('names the last 12 months across a year boundary', () => {
    expect(lastTwelveMonths(new Date('2026-01-15T00:00:00Z'))).toEqual([
      '2025-02', '2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01',
    ]);
  });

  it('computes today and this week (Monday to Sunday) in the coach time zone', () => {
    // Saturday 21 November 2026, 10:00 UTC
    expect(agendaWindows(now, 'UTC')).toEqual({
      today: { from: '2026-11-21T00:00:00.000Z', to: '2026-11-22T00:00:00.000Z' },
      week: { from: '2026-11-16T00:00:00.000Z', to: '2026-11-23T00:00:00.000Z' },
    });
    // In Auckland (UTC+13 in November) it is already Saturday 23:00
    expect(agendaWindows(now, 'Pacific/Auckland').today).toEqual({ from: '2026-11-20T11:00:00.000Z', to: '2026-11-21T11:00:00.000Z' });
    // 23:30 UTC Sunday is Monday morning in Berlin: a new week there
    expect(agendaWindows(new Date('2026-11-22T23:30:00Z'), 'Europe/Berlin').week).toEqual({ from: '2026-11-22T23:00:00.000Z', to: '2026-11-29T23:00:00.000Z' });
  });
});
