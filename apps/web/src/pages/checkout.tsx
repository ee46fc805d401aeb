import type { CheckoutEnrolment } from '@clientele/billing/contracts';
import { useEffect, useRef, useState } from 'react';
import { api, ApiError, formatMoney, type PublicProduct } from '../api';
import { ErrorNote, Field, fieldError, useSubmit } from '../components/ui';
import { useLoad } from '../hooks/use-load';
import { useRouter } from '../router';
import { AuthCard } from './auth';

/**
 * POST /api/v1/checkout's and GET /api/v1/checkout/purchases/:id's answer. A business that connected
 * Stripe answers `pending_payment` with Stripe Checkout's `paymentUrl`: the buyer pays there, and
 * Stripe sends them back here with `?purchase=<id>` (or `&cancelled=1`).
 */
interface CheckoutAnswer {
  purchaseId: string;
  productId: string;
  status: 'completed' | 'pending_payment' | 'not_completed';
  paymentUrl?: string;
  enrolment: CheckoutEnrolment | 'none';
}

/** The buyer's e-mail, kept in this tab across the visit to Stripe, to say where the invitation went. */
const buyerEmailKey = (purchaseId: string) => `clientele.checkout.${purchaseId}`;

/** How soon the page asks again while the enrolment is not decided, and at most how long it waits between two questions. */
const ASK_AGAIN_MS = 1500;
const ASK_AT_LEAST_EVERY_MS = 10_000;

/** What the buyer reads once they paid: what actually happens next, from the checkout's answer. */
function WhatHappensNext({ answer, product, email }: { answer: CheckoutAnswer; product: PublicProduct; email: string }) {
  const business = product.businessName;
  const enrolment = answer.enrolment ?? 'in_progress';
  switch (enrolment) {
    case 'waiting_for_seat':
      return <p role="status">You are on the waiting list; we will e-mail you when your place is ready.</p>;
    case 'enrolled':
      return product.clientType === 'offline' ? (
        <p role="status">You are now a client of {business}; they will be in touch with what comes next.</p>
      ) : (
        <p role="status">
          You are now a client of {business}. We have e-mailed {email || 'you'} an invitation to set your password and open the app.
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
  const { query, navigate } = useRouter();
  const { data: product, error: loadError } = useLoad(() => api<PublicProduct>(`/api/v1/checkout/products/${encodeURIComponent(productId)}`), [productId]);
  const [buyer, setBuyer] = useState({ firstName: '', lastName: '', email: '', phone: '' });
  // Back from Stripe (`?purchase=<id>`): what became of that purchase is asked below, until it is known.
  const returnedPurchase = query.get('purchase');
  const [cancelled, setCancelled] = useState(returnedPurchase !== null && query.get('cancelled') === '1');
  const [answer, setAnswer] = useState<CheckoutAnswer | null>(() =>
    returnedPurchase && !cancelled ? { purchaseId: returnedPurchase, productId, status: 'pending_payment', enrolment: 'in_progress' } : null,
  );
  const [redirecting, setRedirecting] = useState<string | null>(null);
  const email = buyer.email || (answer ? (sessionStorage.getItem(buyerEmailKey(answer.purchaseId)) ?? '') : '');
  // One key per attempt on this page: pressing Buy twice (or retrying after a network error) buys once.
  const idempotencyKey = useRef(crypto.randomUUID());
  const { busy, error, submit } = useSubmit(async () => {
    const bought = await api<CheckoutAnswer>('/api/v1/checkout', {
      method: 'POST',
      headers: { 'idempotency-key': idempotencyKey.current },
      body: { productId, buyer: { firstName: buyer.firstName, lastName: buyer.lastName, email: buyer.email, ...(buyer.phone.trim() ? { phone: buyer.phone.trim() } : {}) } },
    });
    if (bought.status === 'pending_payment' && bought.paymentUrl) {
      // The buyer pays on Stripe's page; Stripe sends them back here with the purchase's id.
      sessionStorage.setItem(buyerEmailKey(bought.purchaseId), buyer.email);
      setRedirecting(bought.paymentUrl);
      window.location.assign(bought.paymentUrl);
      return;
    }
    setAnswer(bought);
  });
  /** A new attempt after a cancelled or failed payment: a new purchase, so a new key. */
  const tryAgain = () => {
    idempotencyKey.current = crypto.randomUUID();
    setCancelled(false);
    setAnswer(null);
    navigate(`/checkout/${encodeURIComponent(productId)}`, { replace: true });
  };
  // The enrolment follows the payment (Stripe's word that it is paid, then the enrolment): until both are known, ask again (asking changes nothing).
  const purchaseId = answer && answer.status !== 'not_completed' && (answer.status === 'pending_payment' || answer.enrolment === 'in_progress') ? answer.purchaseId : null;
  useEffect(() => {
    if (!purchaseId) return;
    let timer: number | undefined;
    let stopped = false;
    const ask = (wait: number) => {
      timer = window.setTimeout(async () => {
        try {
          const current = await api<CheckoutAnswer>(`/api/v1/checkout/purchases/${encodeURIComponent(purchaseId)}`);
          if (stopped) return;
          if (current.status === 'not_completed' || (current.status === 'completed' && current.enrolment !== 'in_progress')) return setAnswer(current);
          // Paid, enrolment not decided yet: say so, and keep asking.
          if (current.status === 'completed') setAnswer(current);
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
  if (cancelled || answer?.status === 'not_completed') {
    return (
      <AuthCard title={cancelled ? 'Payment cancelled' : 'Payment not completed'}>
        <p role="status">
          {cancelled ? 'Payment cancelled; nothing was charged.' : 'The payment did not go through; nothing was charged.'} You can try again whenever you like.
        </p>
        <button type="button" className="primary wide" onClick={tryAgain}>
          Try again
        </button>
      </AuthCard>
    );
  }
  if (redirecting) {
    return (
      <AuthCard title={product.name}>
        <p role="status">Taking you to Stripe to pay {formatMoney(product.price)}…</p>
        <p className="muted">
          If nothing happens, <a href={redirecting}>continue to the payment page</a>.
        </p>
      </AuthCard>
    );
  }
  if (answer?.status === 'pending_payment') {
    return (
      <AuthCard title="Almost there">
        <p role="status">We are confirming your payment for {product.name} with Stripe; this page says what comes next as soon as it is done.</p>
      </AuthCard>
    );
  }
  if (answer) {
    return (
      <AuthCard title="Thank you!">
        <p>
          Your purchase of <strong>{product.name}</strong> from {product.businessName} is complete.
        </p>
        <WhatHappensNext answer={answer} product={product} email={email} />
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
