import type { CheckoutAnswer, CheckoutEnrolment } from '@clientele/billing/contracts';
import { useEffect, useRef, useState } from 'react';
import { api, ApiError, formatMoney, type PublicProduct } from '../api';
import { ErrorNote, Field, fieldError, useSubmit } from '../components/ui';
import { useLoad } from '../hooks/use-load';
import { AuthCard } from './auth';

/** How soon the page asks again while the enrolment is not decided, and at most how long it waits between two questions. */
const ASK_AGAIN_MS = 1500;
const ASK_AT_LEAST_EVERY_MS = 10_000;

/** What the buyer reads once they paid: what actually happens next, from the checkout's answer. */
function WhatHappensNext({ answer, product, email }: { answer: CheckoutAnswer; product: PublicProduct; email: string }) {
  const business = product.businessName;
  const enrolment: CheckoutEnrolment = answer.enrolment ?? 'in_progress';
  switch (enrolment) {
    case 'waiting_for_seat':
      return <p role="status">You are on the waiting list; we will e-mail you when your place is ready.</p>;
    case 'enrolled':
      return product.clientType === 'offline' ? (
        <p role="status">You are now a client of {business}; they will be in touch with what comes next.</p>
      ) : (
        <p role="status">
          You are now a client of {business}. We have e-mailed {email} an invitation to set your password and open the app.
        </p>
      );
    case 'already_client':
      return <p role="status">You are already a client of {business}: this purchase is added to your profile.</p>;
    default:
      return (
        <p role="status">
          We are still setting up your place with {business}; this page says what comes next as soon as it is done. Nothing more is needed from you.
        </p>
      );
  }
}

/** The public checkout page a coach shares: buy, and become their client. */
export function CheckoutPage({ productId }: { productId: string }) {
  const { data: product, error: loadError } = useLoad(() => api<PublicProduct>(`/api/v1/checkout/products/${encodeURIComponent(productId)}`), [productId]);
  const [buyer, setBuyer] = useState({ firstName: '', lastName: '', email: '', phone: '' });
  const [answer, setAnswer] = useState<CheckoutAnswer | null>(null);
  // One key per attempt on this page: pressing Buy twice (or retrying after a network error) buys once.
  const idempotencyKey = useRef(crypto.randomUUID());
  const { busy, error, submit } = useSubmit(async () => {
    const bought = await api<CheckoutAnswer>('/api/v1/checkout', {
      method: 'POST',
      headers: { 'idempotency-key': idempotencyKey.current },
      body: { productId, buyer: { firstName: buyer.firstName, lastName: buyer.lastName, email: buyer.email, ...(buyer.phone.trim() ? { phone: buyer.phone.trim() } : {}) } },
    });
    setAnswer(bought);
  });
  // The enrolment follows the payment: when it was not decided in time, ask again (asking changes nothing).
  const purchaseId = answer?.enrolment === 'in_progress' ? answer.purchaseId : null;
  useEffect(() => {
    if (!purchaseId) return;
    let timer: number | undefined;
    let stopped = false;
    const ask = (wait: number) => {
      timer = window.setTimeout(async () => {
        try {
          const current = await api<CheckoutAnswer>(`/api/v1/checkout/purchases/${encodeURIComponent(purchaseId)}`);
          if (stopped) return;
          if (current.enrolment !== 'in_progress') return setAnswer(current);
        } catch {
          // The purchase is recorded; a failed question is asked again.
        }
        if (!stopped) ask(Math.min(wait * 2, ASK_AT_LEAST_EVERY_MS));
      }, wait);
    };
    ask(ASK_AGAIN_MS);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [purchaseId]);
  const set = (field: keyof typeof buyer) => (e: { target: { value: string } }) => setBuyer({ ...buyer, [field]: e.target.value });
  if (loadError) {
    return (
      <AuthCard title="Checkout">
        <p role="alert">{loadError instanceof ApiError && loadError.status === 404 ? 'This checkout link does not lead to a product. Ask for a new link.' : <ErrorNote error={loadError} />}</p>
      </AuthCard>
    );
  }
  if (!product) return <AuthCard title="Checkout">{<p className="muted">Loading the product…</p>}</AuthCard>;
  if (answer) {
    return (
      <AuthCard title="Thank you!">
        <p>
          Your purchase of <strong>{product.name}</strong> from {product.businessName} is complete.
        </p>
        <WhatHappensNext answer={answer} product={product} email={buyer.email} />
      </AuthCard>
    );
  }
  return (
    <AuthCard title={product.name}>
      <p className="muted seller">Sold by {product.businessName}</p>
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
