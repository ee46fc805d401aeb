import type { ClientPaymentSummary, ClientSessionSummary, Money } from '@clientele/scheduling/contracts';
import { PROGRAMS, PaidDoc, ProgramDoc, PurchaseDoc, SessionDoc, refundedOf, toProgramView, toSessionView } from './documents';

export { PROGRAMS };

/** A session is upcoming while it is scheduled and has not started; everything else is past. */
export const isUpcoming = (doc: SessionDoc, now: Date) => doc.status === 'scheduled' && Date.parse(doc.start) >= now.getTime();

/** The Overview and Programs KPIs of one client, from the projected sessions and bundles, at `now`. */
export function sessionSummary(sessions: readonly SessionDoc[], programs: readonly ProgramDoc[], now: Date): ClientSessionSummary {
  const count = (status: SessionDoc['status']) => sessions.filter((s) => s.status === status).length;
  const completed = count('completed');
  const noShows = count('no_show');
  const upcoming = sessions.filter((s) => isUpcoming(s, now)).sort((a, b) => a.start.localeCompare(b.start));
  const views = programs.map((p) => toProgramView(p, now));
  return {
    sessions: {
      completed,
      noShows,
      cancelled: count('cancelled'),
      upcoming: upcoming.length,
      attendanceRate: completed + noShows === 0 ? null : Math.round((completed / (completed + noShows)) * 1000) / 1000,
      nextSession: upcoming[0] ? toSessionView(upcoming[0]) : null,
    },
    programs: { active: views.filter((p) => p.status === 'active').length, completed: views.filter((p) => p.status === 'completed').length },
  };
}

/** `YYYY-MM` of the 12 calendar months (UTC) ending with the month of `now`, oldest first. */
export function lastTwelveMonths(now: Date): string[] {
  const months: string[] = [];
  for (let back = 11; back >= 0; back--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
    months.push(d.toISOString().slice(0, 7));
  }
  return months;
}

/** One priced thing a client pays for: a session on its own, a bundle as a whole, or a product bought at checkout. */
interface Payable {
  kind: 'session' | 'bundle' | 'purchase';
  id: string;
  /** When it happened, for "the latest one" (a session's start, a bundle's creation, a purchase's payment). */
  at: string;
  price: Money;
  paid: PaidDoc | null;
  /** Owed when unpaid: a priced session not cancelled and not taken from a bundle; a priced bundle. */
  owed: boolean;
}

function payables(sessions: readonly SessionDoc[], programs: readonly ProgramDoc[], purchases: readonly PurchaseDoc[]): Payable[] {
  return [
    // A session pack's purchase is its bundle's payment, counted with the bundle.
    ...purchases.filter((p) => !p.bundleId).map((p): Payable => ({ kind: 'purchase', id: p.id, at: p.paid.paidAt, price: p.paid.amount, paid: p.paid, owed: false })),
    ...sessions.map(
      (s): Payable => ({ kind: 'session', id: s.id, at: s.start, price: s.price, paid: s.paid, owed: s.status !== 'cancelled' && !s.bundleId && s.price.amount > 0 }),
    ),
    ...programs.map((p): Payable => ({ kind: 'bundle', id: p.id, at: p.createdAt, price: p.price, paid: p.paid ?? null, owed: p.price.amount > 0 })),
  ];
}

/** What a payment brought in: what was paid less what went back. */
const netOf = (paid: PaidDoc) => paid.amount.amount - refundedOf(paid);

/**
 * The Finances KPIs and chart of one client, from their sessions, bundles and purchases. Sums are in one
 * currency: that of the client's most recent session or bundle (a coach bills a client in one
 * currency); amounts in other currencies are summed apart, in `otherCurrencies`.
 */
export function paymentSummary(
  sessions: readonly SessionDoc[],
  programs: readonly ProgramDoc[],
  now: Date,
  fallbackCurrency = 'EUR',
  purchases: readonly PurchaseDoc[] = [],
): ClientPaymentSummary {
  const all = payables(sessions, programs, purchases);
  const latest = [...all].sort((a, b) => b.at.localeCompare(a.at))[0];
  const currency = latest?.price.currency ?? fallbackCurrency;
  const money = (amount: number): Money => ({ amount, currency });
  const currencyOf = (p: Payable) => p.paid?.amount.currency ?? p.price.currency;
  const mine = all.filter((p) => currencyOf(p) === currency);
  const others = new Map<string, { revenue: number; outstanding: number }>();
  for (const p of all) {
    const other = currencyOf(p);
    if (other === currency) continue;
    const sums = others.get(other) ?? { revenue: 0, outstanding: 0 };
    if (p.paid) sums.revenue += netOf(p.paid);
    else if (!p.paid && p.owed) sums.outstanding += p.price.amount;
    others.set(other, sums);
  }
  const months = lastTwelveMonths(now);
  const perMonth = new Map(months.map((m) => [m, 0]));
  let revenue = 0;
  let outstanding = 0;
  let lastPayment: ClientPaymentSummary['lastPayment'] = null;
  for (const p of mine) {
    if (p.paid) {
      const net = netOf(p.paid);
      revenue += net;
      const month = p.paid.paidAt.slice(0, 7);
      if (perMonth.has(month)) perMonth.set(month, perMonth.get(month)! + net);
      if (!lastPayment || p.paid.paidAt > lastPayment.paidAt) {
        lastPayment = {
          kind: p.kind,
          sessionId: p.kind === 'session' ? p.id : null,
          bundleId: p.kind === 'bundle' ? p.id : null,
          ...(p.kind === 'purchase' ? { purchaseId: p.id } : {}),
          amount: p.paid.amount,
          paidAt: p.paid.paidAt,
        };
      }
    } else if (p.owed) {
      outstanding += p.price.amount;
    }
  }
  return {
    revenue: money(revenue),
    outstanding: money(outstanding),
    lastPayment,
    monthly: months.map((month) => ({ month, revenue: money(perMonth.get(month)!) })),
    otherCurrencies: [...others]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([other, sums]) => ({ currency: other, revenue: { amount: sums.revenue, currency: other }, outstanding: { amount: sums.outstanding, currency: other } })),
  };
}

/** The UTC offset (ms) of a time zone at an instant, from Intl (no time-zone library). */
function offsetMs(timeZone: string, at: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(at))
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  );
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The instant a local date-time of `timeZone` falls on (two passes settle a DST change). */
function localToUtc(timeZone: string, y: number, m: number, d: number): number {
  const guess = Date.UTC(y, m, d);
  const first = guess - offsetMs(timeZone, guess);
  return guess - offsetMs(timeZone, first);
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Today and this week (Monday to Sunday) in the coach's time zone, as UTC instants [from, to). */
export function agendaWindows(now: Date, timeZone: string): { today: { from: string; to: string }; week: { from: string; to: string } } {
  const local = new Date(now.getTime() + offsetMs(timeZone, now.getTime()));
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const d = local.getUTCDate();
  const sinceMonday = (local.getUTCDay() + 6) % 7;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    today: { from: iso(localToUtc(timeZone, y, m, d)), to: iso(localToUtc(timeZone, y, m, d + 1)) },
    week: { from: iso(localToUtc(timeZone, y, m, d - sinceMonday)), to: iso(localToUtc(timeZone, y, m, d - sinceMonday + 7)) },
  };
}
