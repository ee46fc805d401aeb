import { useRef, useState } from 'react';
import { api, ApiError, formatMoney, type PublicProduct } from '../api';
import { ErrorNote, Field, fieldError, useSubmit } from '../components/ui';
import { useLoad } from '../hooks/use-load';
import { AuthCard } from './auth';

/** The public checkout page a coach shares: buy, and become their client. */
export function CheckoutPage({ productId }: { productId: string }) {
  const { data: product, error: loadError } = useLoad(() => api<PublicProduct>(`/api/v1/checkout/products/${encodeURIComponent(productId)}`), [productId]);
  const [buyer, setBuyer] = useState({ firstName: '', lastName: '', email: '', phone: '' });
  const [done, setDone] = useState(false);
  // One key per attempt on this page: pressing Buy twice (or retrying after a network error) buys once.
  const idempotencyKey = useRef(crypto.randomUUID());
  const { busy, error, submit } = useSubmit(async () => {
    await api('/api/v1/checkout', {
      method: 'POST',
      headers: { 'idempotency-key': idempotencyKey.current },
      body: { productId, buyer: { firstName: buyer.firstName, lastName: buyer.lastName, email: buyer.email, ...(buyer.phone.trim() ? { phone: buyer.phone.trim() } : {}) } },
    });
    setDone(true);
  });
  const set = (field: keyof typeof buyer) => (e: { target: { value: string } }) => setBuyer({ ...buyer, [field]: e.target.value });
  if (loadError) {
    return (
      <AuthCard title="Checkout">
        <p role="alert">{loadError instanceof ApiError && loadError.status === 404 ? 'This checkout link does not lead to a product. Ask for a new link.' : <ErrorNote error={loadError} />}</p>
      </AuthCard>
    );
  }
  if (!product) return <AuthCard title="Checkout">{<p className="muted">Loading the product…</p>}</AuthCard>;
  if (done) {
    return (
      <AuthCard title="Thank you!">
        <p role="status">
          Your purchase of <strong>{product.name}</strong> is complete. We have e-mailed {buyer.email} with what comes next.
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={product.name}>
      <p className="price">{formatMoney(product.price)}</p>
      {product.archived ? (
        <p role="alert">This product is no longer for sale.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <div className="field-row">
            <Field label="First name" error={fieldError(error, 'firstName')}>
              {(p) => <input {...p} autoComplete="given-name" value={buyer.firstName} onChange={set('firstName')} />}
            </Field>
            <Field label="Last name" error={fieldError(error, 'lastName')}>
              {(p) => <input {...p} autoComplete="family-name" value={buyer.lastName} onChange={set('lastName')} />}
            </Field>
          </div>
          <Field label="E-mail" error={fieldError(error, 'email')}>
            {(p) => <input {...p} type="email" autoComplete="email" value={buyer.email} onChange={set('email')} />}
          </Field>
          <Field label="Phone (optional)" error={fieldError(error, 'phone')}>
            {(p) => <input {...p} type="tel" autoComplete="tel" value={buyer.phone} onChange={set('phone')} />}
          </Field>
          <ErrorNote error={error && !['firstName', 'lastName', 'email', 'phone'].some((f) => fieldError(error, f)) ? error : null} />
          <button type="submit" className="primary wide" disabled={busy}>
            {busy ? 'Paying…' : `Buy for ${formatMoney(product.price)}`}
          </button>
        </form>
      )}
    </AuthCard>
  );
}
