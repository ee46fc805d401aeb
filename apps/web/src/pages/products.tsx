import { useState } from 'react';
import { api, CLIENT_TYPES, formatMoney, TYPE_LABELS, type ClientType, type Product } from '../api';
import { ErrorNote, Field, Notice, Skeleton, fieldError, useSubmit } from '../components/ui';
import { useLoad } from '../hooks/use-load';

/** Products: what buyers pay for, and the client type they get; each has a public checkout link. */
export function ProductsPage() {
  const [notice, setNotice] = useState<string | null>(null);
  const [form, setForm] = useState({ name: '', price: '', currency: 'EUR', clientType: 'full_access_one_way' as ClientType });
  const list = useLoad(() => api<{ items: Product[] }>('/api/v1/products?pageSize=100'), []);
  const products = list.data?.items ?? null;
  const error = list.error;
  const create = useSubmit(async () => {
    const amount = Math.round(Number(form.price.replace(',', '.')) * 100);
    await api('/api/v1/products', { method: 'POST', body: { name: form.name, price: { amount: Number.isFinite(amount) ? amount : -1, currency: form.currency }, clientType: form.clientType } });
    setForm({ ...form, name: '', price: '' });
    setNotice('Product created.');
    await list.reload();
  });
  const archive = async (product: Product) => {
    try {
      await api(`/api/v1/products/${product.id}/archive`, { method: 'POST' });
      setNotice(`${product.name} is archived: it can no longer be bought.`);
      await list.reload();
    } catch (caught) {
      list.setError(caught);
    }
  };
  const copyLink = async (product: Product) => {
    const link = `${window.location.origin}/checkout/${product.id}`;
    try {
      await navigator.clipboard.writeText(link);
      setNotice(`Checkout link copied: ${link}`);
    } catch {
      setNotice(`Checkout link: ${link}`);
    }
  };
  const priceError = fieldError(create.error, 'price') ?? fieldError(create.error, 'amount');
  return (
    <section>
      <div className="page-header">
        <h1>Products</h1>
      </div>
      <Notice text={notice} />
      <form className="card product-form" onSubmit={create.submit} noValidate>
        <h2>New product</h2>
        <div className="field-row">
          <Field label="Name" error={fieldError(create.error, 'name')}>
            {(p) => <input {...p} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
          </Field>
          <Field label="Price" error={priceError}>
            {(p) => <input {...p} inputMode="decimal" value={form.price} onChange={(e) => setForm({ ...form, price: e.target.value })} placeholder="49.00" />}
          </Field>
          <Field label="Currency" error={fieldError(create.error, 'currency')}>
            {(p) => (
              <select {...p} value={form.currency} onChange={(e) => setForm({ ...form, currency: e.target.value })}>
                {['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD'].map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Buyers become" error={fieldError(create.error, 'clientType')}>
            {(p) => (
              <select {...p} value={form.clientType} onChange={(e) => setForm({ ...form, clientType: e.target.value as ClientType })}>
                {CLIENT_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {TYPE_LABELS[t]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <ErrorNote error={create.error && !priceError && !fieldError(create.error, 'name') ? create.error : null} />
        <button type="submit" className="primary" disabled={create.busy}>
          Create product
        </button>
      </form>
      <ErrorNote error={error} />
      {!products ? (
        <Skeleton rows={3} />
      ) : products.length === 0 ? (
        <p className="muted">No products yet. Create one above, then share its checkout link with buyers.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Price</th>
                <th className="hide-small">Buyers become</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {products.map((p) => (
                <tr key={p.id} data-product-id={p.id} className={p.archived ? 'archived' : undefined}>
                  <td>
                    {p.name} {p.archived && <span className="badge">Archived</span>}
                  </td>
                  <td>{formatMoney(p.price)}</td>
                  <td className="hide-small">{TYPE_LABELS[p.clientType]}</td>
                  <td className="row-actions">
                    {!p.archived && (
                      <>
                        <button type="button" onClick={() => copyLink(p)}>
                          Copy checkout link
                        </button>
                        <button type="button" onClick={() => archive(p)}>
                          Archive
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
