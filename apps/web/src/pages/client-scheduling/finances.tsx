import { useId, useState } from 'react';
import { api, formatDate, formatDateTime, formatMoney, formatMonth, type ClientPaymentSummary, type ClientProfile, type Money, type Page, type PaymentStatus, type PaymentView } from '../../api';
import { Dialog, ErrorNote, Notice, SectionHeader, Skeleton, StatusBadge } from '../../components/ui';
import { useAction } from '../../hooks/use-action';
import { useLoad } from '../../hooks/use-load';
import { Kpi, MoreThanShown, PAYMENT_STATUS_LABELS, SESSION_STATUS_LABELS } from './shared';

/** The profile's Finances tab: revenue, outstanding, the 12-month chart and the payments, with "Mark paid" and "Refund". */

type PaymentFilter = '' | PaymentStatus;

/** The payment's own routes: a session's, a bundle's, or a product purchase's (refunded through billing, the way it was paid). */
function paymentPath(client: ClientProfile, payment: PaymentView, action: 'payment' | 'refund'): string | null {
  if (payment.kind === 'purchase') return action === 'refund' && payment.purchaseId ? `/api/v1/clients/${client.id}/purchases/${payment.purchaseId}/refund` : null;
  const bundle = payment.kind === 'bundle' || (!payment.sessionId && payment.bundleId);
  if (bundle) return payment.bundleId ? `/api/v1/clients/${client.id}/programs/${payment.bundleId}/${action}` : null;
  return payment.sessionId ? `/api/v1/sessions/${payment.sessionId}/${action}` : null;
}

function paymentKey(payment: PaymentView): string {
  if (payment.kind === 'purchase') return `purchase:${payment.purchaseId ?? ''}`;
  return payment.sessionId ? `session:${payment.sessionId}` : `bundle:${payment.bundleId ?? ''}`;
}

/** What a refund answered: made at once, or asked of the payment provider (shown once it confirms). */
type RefundAnswer = { status?: 'requested' | 'refunded'; refund?: { status: 'requested' | 'refunded' } };

/** What a refund gives back: what is left of the payment (all of it unless part went back already). */
function leftToRefund(payment: PaymentView): Money {
  return { amount: payment.amount.amount - (payment.refunded?.amount ?? 0), currency: payment.amount.currency };
}

function refundSentence(payment: PaymentView, answer: RefundAnswer | null): string {
  const status = answer?.refund?.status ?? answer?.status;
  if (status === 'requested') return `Refund of ${formatMoney(leftToRefund(payment))} asked of Stripe; it shows here once Stripe confirms it.`;
  return `${formatMoney(leftToRefund(payment))} refunded.`;
}

/** What went back of a payment refunded in part ("€10.00 of €30.00 refunded"). */
function partlyRefunded(payment: PaymentView): string | null {
  if (payment.status !== 'paid' || !payment.refunded || payment.refunded.amount <= 0) return null;
  return `${formatMoney(payment.refunded)} of ${formatMoney(payment.amount)} refunded`;
}

/**
 * The client's money in one place: Revenue (paid minus refunded) and Outstanding, from the
 * payments summary. Finances and Overview both show these, so the two tabs never disagree (issue
 * 21: Overview said "Total spent —" from another source while Finances listed payments).
 */
function MoneyKpis({ summary }: { summary: ClientPaymentSummary }) {
  return (
    <>
      <Kpi id="revenue" label="Revenue" value={formatMoney(summary.revenue)} hint="Paid minus refunded" />
      <Kpi id="outstanding" label="Outstanding" value={formatMoney(summary.outstanding)} hint="Owed, not paid yet" />
    </>
  );
}

/** Overview's money figures: the same summary, the same KPIs as Finances. */
export function RevenueKpis({ clientId, refreshKey = 0 }: { clientId: string; refreshKey?: number }) {
  const { data: summary, error } = useLoad(() => api<ClientPaymentSummary>(`/api/v1/clients/${clientId}/payments/summary`), [clientId, refreshKey]);
  if (!summary) return error ? <ErrorNote error={error} /> : <Skeleton rows={1} />;
  return (
    <dl className="kpis" aria-label="Money">
      <MoneyKpis summary={summary} />
    </dl>
  );
}

/** Finances: revenue, outstanding, last payment, the 12-month chart and the payment list. */
export function Finances({ client }: { client: ClientProfile }) {
  const [filter, setFilter] = useState<PaymentFilter>('');
  const [refunding, setRefunding] = useState<PaymentView | null>(null);
  const view = useLoad(async () => {
    const [summary, payments] = await Promise.all([
      api<ClientPaymentSummary>(`/api/v1/clients/${client.id}/payments/summary`),
      api<Page<PaymentView>>(`/api/v1/clients/${client.id}/payments?pageSize=100${filter ? `&status=${filter}` : ''}`),
    ]);
    return { summary, payments };
  }, [client.id, filter]);
  const { busy, notice, run } = useAction(view);
  const summary = view.data?.summary ?? null;
  const payments = view.data?.payments ?? null;
  const error = view.error;

  const act = (payment: PaymentView, action: 'payment' | 'refund') => {
    const path = paymentPath(client, payment, action);
    if (!path) return;
    return run(paymentKey(payment), async () => {
      const answer = await api<RefundAnswer | null>(path, { method: 'POST', body: {} });
      return action === 'payment' ? `${formatMoney(payment.amount)} recorded as paid.` : refundSentence(payment, answer);
    });
  };

  return (
    <div className="finances">
      {!summary ? (
        !error && <Skeleton rows={2} />
      ) : (
        <>
          <dl className="kpis" aria-label="Finances">
            <MoneyKpis summary={summary} />
            <Kpi
              id="last-payment"
              label="Last payment"
              value={summary.lastPayment ? formatMoney(summary.lastPayment.amount) : 'None yet'}
              hint={summary.lastPayment ? formatDate(summary.lastPayment.paidAt) : undefined}
            />
          </dl>
          {(summary.otherCurrencies ?? []).length > 0 && (
            <p className="muted" data-testid="other-currencies">
              Also billed in other currencies:{' '}
              {summary.otherCurrencies!.map((o) => `${formatMoney(o.revenue)} paid, ${formatMoney(o.outstanding)} outstanding`).join('; ')}.
            </p>
          )}
          <RevenueChart monthly={summary.monthly} />
        </>
      )}
      <SectionHeader title="Payments">
        <label className="inline-filter">
          <span>Show</span>
          <select value={filter} onChange={(e) => setFilter(e.target.value as PaymentFilter)}>
            <option value="">All payments</option>
            <option value="pending">Pending</option>
            <option value="paid">Paid</option>
            <option value="refunded">Refunded</option>
          </select>
        </label>
      </SectionHeader>
      <Notice text={notice} />
      <ErrorNote error={error} />
      {!payments ? (
        !error && <Skeleton rows={3} />
      ) : payments.items.length === 0 ? (
        <p className="muted">{filter ? 'No payments with this status.' : 'Nothing to pay yet: sessions, bundles and products with a price show here.'}</p>
      ) : (
        <div className="table-wrap">
          <table aria-label="Payments">
            <thead>
              <tr>
                <th>For</th>
                <th>Amount</th>
                <th>Status</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {payments.items.map((payment) => {
                const key = paymentKey(payment);
                const bundle = payment.kind === 'bundle' || (!payment.sessionId && Boolean(payment.bundleId));
                const part = partlyRefunded(payment);
                return (
                  <tr key={key} data-payment={key} data-status={payment.status}>
                    <td>
                      {payment.kind === 'purchase' ? (
                        <>Product: {payment.productName ?? 'a product'}</>
                      ) : bundle ? (
                        <>Bundle: {payment.bundleName ?? 'a bundle'}</>
                      ) : (
                        <>
                          Session of {formatDateTime(payment.sessionStart)}
                          {payment.sessionStatus && payment.sessionStatus !== 'completed' && <small className="muted block">{SESSION_STATUS_LABELS[payment.sessionStatus]}</small>}
                        </>
                      )}
                    </td>
                    <td>{formatMoney(payment.amount)}</td>
                    <td>
                      <StatusBadge tone={`pay-${payment.status}`}>{PAYMENT_STATUS_LABELS[payment.status]}</StatusBadge>
                      {payment.paidAt && <small className="muted block">paid {formatDate(payment.paidAt)}</small>}
                      {part ? (
                        <small className="muted block" data-testid="partly-refunded">
                          {part} {payment.refundedAt && formatDate(payment.refundedAt)}
                        </small>
                      ) : (
                        payment.refundedAt && <small className="muted block">refunded {formatDate(payment.refundedAt)}</small>
                      )}
                    </td>
                    <td>
                      <div className="row-actions">
                        {payment.status === 'pending' && (
                          <button type="button" disabled={busy === key} onClick={() => act(payment, 'payment')}>
                            Mark paid
                          </button>
                        )}
                        {payment.status === 'paid' && (
                          <button type="button" disabled={busy === key} onClick={() => setRefunding(payment)}>
                            Refund
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {payments && <MoreThanShown page={payments} />}
      {refunding && (
        <Dialog title={`Refund ${formatMoney(leftToRefund(refunding))}?`} onClose={() => setRefunding(null)}>
          <div className="dialog-body">
            <p>
              {refunding.purchaseId
                ? 'It was paid at checkout: the money goes back the way it was paid (through Stripe, when it was paid there), and Revenue shows it once it is refunded.'
                : 'The whole payment is refunded and taken out of the revenue. A refunded payment cannot be paid again.'}
            </p>
            <div className="dialog-actions">
              <button type="button" onClick={() => setRefunding(null)}>
                Keep it
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  const payment = refunding;
                  setRefunding(null);
                  void act(payment, 'refund');
                }}
              >
                Refund
              </button>
            </div>
          </div>
        </Dialog>
      )}
    </div>
  );
}

/** Twelve CSS bars, one per month, each with its amount as text for screen readers (no chart library). */
function RevenueChart({ monthly }: { monthly: { month: string; revenue: Money }[] }) {
  const titleId = useId();
  const max = Math.max(0, ...monthly.map((m) => m.revenue.amount));
  return (
    <figure className="bar-chart" aria-labelledby={titleId}>
      <figcaption id={titleId}>Revenue per month, last 12 months</figcaption>
      <ol>
        {monthly.map(({ month, revenue }) => {
          const height = max > 0 ? Math.max(revenue.amount > 0 ? 2 : 0, (Math.max(0, revenue.amount) / max) * 100) : 0;
          const text = `${formatMonth(month, { long: true })}: ${formatMoney(revenue)}`;
          return (
            <li key={month} data-month={month} data-amount={revenue.amount} title={text}>
              <span className="bar-track" aria-hidden="true">
                <span className="bar" style={{ height: `${height}%` }} />
              </span>
              <span className="bar-label" aria-hidden="true">
                {formatMonth(month, { year: false })}
              </span>
              <span className="visually-hidden">{text}</span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
