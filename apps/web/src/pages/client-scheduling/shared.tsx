import type { Page, PaymentStatus, SessionStatus } from '../../api';

/** What the three scheduling tabs (and the coach home's agenda) share: status labels, a KPI, the "more than shown" line. */

export const SESSION_STATUS_LABELS: Record<SessionStatus, string> = {
  scheduled: 'Scheduled',
  completed: 'Completed',
  no_show: 'No-show',
  cancelled: 'Cancelled',
};

export const PAYMENT_STATUS_LABELS: Record<PaymentStatus, string> = {
  pending: 'Payment pending',
  paid: 'Paid',
  refunded: 'Refunded',
};

export function Kpi({ id, label, value, hint, small }: { id: string; label: string; value: string; hint?: string; small?: boolean }) {
  return (
    <div data-kpi={id}>
      <dt>{label}</dt>
      <dd className={small ? 'kpi-small' : undefined}>{value}</dd>
      {hint && <dd className="kpi-hint">{hint}</dd>}
    </div>
  );
}

/** Lists show up to 100 rows; say so when there are more. */
export function MoreThanShown({ page }: { page: Page<unknown> }) {
  if (page.total <= page.items.length) return null;
  return (
    <p className="muted list-more">
      Showing the first {page.items.length} of {page.total}.
    </p>
  );
}
