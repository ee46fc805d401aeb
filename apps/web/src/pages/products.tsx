import { useState } from 'react';
import { api, CLIENT_TYPES, formatMoney, TYPE_LABELS, type ClientType, type Product } from '../api';
import { useCan, WHY_NOT } from '../capabilities';
import { Dialog, ErrorNote, Field, Notice, Skeleton, fieldError, useSubmit } from '../components/ui';
import { useLoad } from '../hooks/use-load';

/** Archiving cannot be undone: the coach confirms, knowing what it does to the link they shared. */
function ArchiveProductDialog({ product, onClose, onArchived }: { product: Product; onClose: () => void; onArchived: () => Promise<void> }) {
  const archive = useSubmit(async () => {
    await api(`/api/v1/products/${product.id}/archive`, { method: 'POST' });
    await onArchived();
  });
  return (
    <Dialog title={`Archive ${product.name}?`} onClose={onClose}>
      <form onSubmit={archive.submit} className="dialog-body">
        <p>
          Its checkout link stops selling it: buyers who open it read that it is no longer for sale. Past buyers keep what they bought. An archived product
          cannot be sold again; create a new one instead.
        </p>
        <ErrorNote error={archive.error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Keep selling
          </button>
          <button type="submit" className="danger" disabled={archive.busy}>
            {archive.busy ? 'Archiving…' : 'Archive product'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Products: what buyers pay for, and the client type they get; each has a public checkout link. */
export function ProductsPage() {
  // The API refuses product changes without manage_products: such staff see the products and their links, not the controls.
  const canManage = useCan('manage_products');
  const [archiving, setArchiving] = useState<Product | null>(null);
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
  const archived = async (product: Product) => {
    setArchiving(null);
    setNotice(`${product.name} is archived: it can no longer be bought.`);
    await list.reload();
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
      {!canManage ? (
        <p className="card muted" data-testid="products-read-only">
          {WHY_NOT.manage_products} You can still copy the checkout links of the products on sale.
        </p>
      ) : (
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
      )}
      <ErrorNote error={error} />
      {!products ? (
        <Skeleton rows={3} />
      ) : products.length === 0 ? (
        <p className="muted">{canManage ? 'No products yet. Create one above, then share its checkout link with buyers.' : 'No products yet.'}</p>
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
                        {canManage && (
                          <button type="button" onClick={() => setArchiving(p)}>
                            Archive
                          </button>
                        )}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {archiving && <ArchiveProductDialog product={archiving} onClose={() => setArchiving(null)} onArchived={() => archived(archiving)} />}
    </section>
  );
}
