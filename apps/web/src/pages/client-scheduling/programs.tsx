import { useState } from 'react';
import { api, CURRENCIES, formatDate, formatMoney, toMinorUnits, type ClientProfile, type Page, type Product, type ProgramView } from '../../api';
import { ErrorNote, Field, FormProblem, Notice, SectionHeader, Skeleton, StatusBadge, fieldError, useSubmit } from '../../components/ui';
import { useAction } from '../../hooks/use-action';
import { useLoad } from '../../hooks/use-load';
import { MoreThanShown, PAYMENT_STATUS_LABELS } from './shared';

/** The profile's Programs tab: the client's bundles of sessions, with "New bundle" and "Mark paid". */

const PROGRAM_FIELDS = ['name', 'sessions', 'price', 'amount', 'currency', 'expiresAt', 'productId'];

function programStatus(program: ProgramView): { tone: string; label: string } {
  if (program.status === 'active') return { tone: 'program-active', label: 'Active' };
  return { tone: 'program-completed', label: program.completedReason === 'expired' ? 'Expired' : 'Used up' };
}

/** Programs: the client's bundles (active first), with "New bundle". */
export function Programs({ client }: { client: ClientProfile }) {
  const [creating, setCreating] = useState(false);
  const list = useLoad(() => api<Page<ProgramView>>(`/api/v1/clients/${client.id}/programs?pageSize=100`), [client.id]);
  // Only to name the product a bundle was sold as: without them the bundles still show.
  const catalogue = useLoad(() => api<{ items: Product[] }>('/api/v1/products?pageSize=100'), [client.id]);
  const { busy, notice, setNotice, run } = useAction(list);
  const programs = list.data;
  const error = list.error;
  const products = catalogue.data?.items ?? [];
  const productName = (id: string | null) => (id ? (products.find((p) => p.id === id)?.name ?? 'a product') : null);

  const markPaid = (program: ProgramView) =>
    run(program.id, async () => {
      await api(`/api/v1/clients/${client.id}/programs/${program.id}/payment`, { method: 'POST', body: {} });
      return `${program.name} is paid.`;
    });

  const active = programs?.items.filter((p) => p.status === 'active').length ?? 0;
  return (
    <div className="programs">
      <SectionHeader title="Programs">
        {!creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New bundle
          </button>
        )}
      </SectionHeader>
      <Notice text={notice} />
      {creating && (
        <NewBundleForm
          client={client}
          products={products.filter((p) => !p.archived)}
          onCancel={() => setCreating(false)}
          onCreated={async (program) => {
            setCreating(false);
            setNotice(`${program.name} created: ${program.sessions} session${program.sessions === 1 ? '' : 's'}.`);
            await list.reload();
          }}
        />
      )}
      <ErrorNote error={error} />
      {!programs ? (
        !error && <Skeleton rows={3} />
      ) : programs.items.length === 0 ? (
        <p className="muted">No bundles yet. A bundle holds N sessions: each completed session uses one, oldest bundle first.</p>
      ) : (
        <>
          <p className="muted">
            {active} active, {programs.items.length - active} completed.
          </p>
          <div className="table-wrap">
            <table aria-label="Bundles">
              <thead>
                <tr>
                  <th>Bundle</th>
                  <th>Status</th>
                  <th>Sessions used</th>
                  <th>Remaining</th>
                  <th className="hide-small">Expires</th>
                  <th>Price</th>
                  <th>Payment</th>
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {programs.items.map((program) => {
                  const status = programStatus(program);
                  const product = productName(program.productId);
                  return (
                    <tr key={program.id} data-program-id={program.id} className={program.status === 'completed' ? 'archived' : undefined}>
                      <td>
                        {program.name}
                        {(product || program.source === 'product') && <small className="muted block">{product ? `Sold as ${product}` : 'From a purchase'}</small>}
                      </td>
                      <td>
                        <StatusBadge tone={status.tone}>{status.label}</StatusBadge>
                      </td>
                      <td data-cell="used">
                        <span>
                          {program.used} of {program.sessions}
                        </span>
                        <div className="meter meter-small" role="meter" aria-label={`${program.name}: sessions used`} aria-valuemin={0} aria-valuemax={program.sessions} aria-valuenow={program.used}>
                          <span style={{ width: `${Math.min(100, (program.used / Math.max(1, program.sessions)) * 100)}%` }} />
                        </div>
                      </td>
                      <td data-cell="remaining">{program.remaining}</td>
                      <td className="hide-small">{program.expiresAt ? formatDate(program.expiresAt) : 'Never'}</td>
                      <td>{program.price.amount > 0 ? formatMoney(program.price) : 'Free'}</td>
                      <td>{program.payment ? <StatusBadge tone={`pay-${program.payment.status}`}>{PAYMENT_STATUS_LABELS[program.payment.status]}</StatusBadge> : <span className="muted">—</span>}</td>
                      <td>
                        <div className="row-actions">
                          {program.payment?.status === 'pending' && (
                            <button type="button" disabled={busy === program.id} onClick={() => markPaid(program)}>
                              Mark paid
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
          <MoreThanShown page={programs} />
        </>
      )}
    </div>
  );
}

/** A `date` value ("2027-03-01") as the instant that day ends in the browser's time zone: the bundle is good through that day. */
function endOfLocalDay(value: string): string | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  const date = new Date(y, m - 1, d + 1, 0, 0, 0, 0);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function NewBundleForm({
  client,
  products,
  onCancel,
  onCreated,
}: {
  client: ClientProfile;
  products: { id: string; name: string }[];
  onCancel: () => void;
  onCreated: (program: ProgramView) => Promise<void>;
}) {
  const [form, setForm] = useState({ name: '', sessions: '10', price: '', currency: 'EUR', expires: '', productId: '' });
  const { busy, error, submit } = useSubmit(async () => {
    const program = await api<ProgramView>(`/api/v1/clients/${client.id}/programs`, {
      method: 'POST',
      body: {
        name: form.name,
        sessions: Number(form.sessions),
        price: form.price.trim() ? { amount: toMinorUnits(form.price), currency: form.currency } : undefined,
        expiresAt: endOfLocalDay(form.expires),
        productId: form.productId || undefined,
      },
    });
    await onCreated(program);
  });
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [field]: e.target.value });
  return (
    <form className="card bundle-form" onSubmit={submit} noValidate aria-label="New bundle">
      <div className="field-row">
        <Field label="Bundle name" error={fieldError(error, 'name')}>
          {(p) => <input {...p} value={form.name} maxLength={200} onChange={set('name')} placeholder="10 sessions pack" />}
        </Field>
        <Field label="Sessions" error={fieldError(error, 'sessions')}>
          {(p) => <input {...p} type="number" min={1} max={500} value={form.sessions} onChange={set('sessions')} />}
        </Field>
      </div>
      <div className="field-row">
        <Field label="Bundle price" error={fieldError(error, 'amount') ?? fieldError(error, 'price')} hint="What the client pays for the bundle; empty if free.">
          {(p) => <input {...p} inputMode="decimal" value={form.price} onChange={set('price')} placeholder="450.00" />}
        </Field>
        <Field label="Currency" error={fieldError(error, 'currency')}>
          {(p) => (
            <select {...p} value={form.currency} onChange={set('currency')}>
              {CURRENCIES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div className="field-row">
        <Field label="Expires after" error={fieldError(error, 'expiresAt')} hint="Optional: the last day it can be used.">
          {(p) => <input {...p} type="date" value={form.expires} onChange={set('expires')} />}
        </Field>
        <Field label="Sold as" error={fieldError(error, 'productId')}>
          {(p) => (
            <select {...p} value={form.productId} onChange={set('productId')}>
              <option value="">No product</option>
              {products.map((product) => (
                <option key={product.id} value={product.id}>
                  {product.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <FormProblem error={error} fields={PROGRAM_FIELDS} />
      <div className="form-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Create bundle
        </button>
      </div>
    </form>
  );
}
