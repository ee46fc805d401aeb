import { useEffect, useState } from 'react';
import { api, type Seats } from '../api';
import { Dialog, ErrorNote, Field, FormProblem, Notice, Skeleton, fieldError, useSubmit } from '../components/ui';
import { useCan } from '../capabilities';
import { useLoad } from '../hooks/use-load';
import { MeasurementUnitsSetting } from './measurement-units';

interface Account {
  id: string;
  businessName: string;
  seatLimit: number | null;
  ownerId: string;
}

/** How the seats are used now: the figures the seat limit is chosen against. */
function SeatUsage({ seats }: { seats: Seats | null }) {
  if (!seats) return <Skeleton rows={2} />;
  return (
    <div data-testid="settings-seats">
      <p className="seat-usage">
        <strong>{seats.used}</strong> {seats.limit === null ? `seat${seats.used === 1 ? '' : 's'} used, no limit` : `of ${seats.limit} seat${seats.limit === 1 ? '' : 's'} used`}
        {seats.available !== null && (
          <>
            {' '}
            · <strong>{seats.available}</strong> available
          </>
        )}
      </p>
      {seats.limit !== null && (
        <div className="meter" role="meter" aria-label="Seats used" aria-valuemin={0} aria-valuemax={seats.limit} aria-valuenow={seats.used}>
          <span style={{ width: `${Math.min(100, (seats.used / Math.max(1, seats.limit)) * 100)}%` }} />
        </div>
      )}
      {seats.pending > 0 && (
        <p className="warning">
          {seats.pending} waiting for a seat: they get one, in the order they came, as soon as the limit allows.
        </p>
      )}
    </div>
  );
}

/** The business's name and its client seat limit, for an admin. */
function BusinessForm({ account, onSaved }: { account: Account; onSaved: (account: Account) => Promise<void> }) {
  const [businessName, setBusinessName] = useState(account.businessName);
  const [unlimited, setUnlimited] = useState(account.seatLimit === null);
  const [seatLimit, setSeatLimit] = useState(account.seatLimit === null ? '' : String(account.seatLimit));
  useEffect(() => {
    setBusinessName(account.businessName);
    setUnlimited(account.seatLimit === null);
    setSeatLimit(account.seatLimit === null ? '' : String(account.seatLimit));
  }, [account]);
  const save = useSubmit(async () => {
    // Not a whole number: sent as it is, so the API names the field in a sentence.
    const limit = seatLimit.trim() === '' ? null : Number(seatLimit);
    const saved = await api<Account>('/api/v1/account', {
      method: 'PATCH',
      body: { businessName, seatLimit: unlimited ? null : Number.isFinite(limit) && limit !== null ? limit : seatLimit },
    });
    await onSaved(saved);
  });
  return (
    <form className="card" onSubmit={save.submit} noValidate aria-labelledby="business-title">
      <h2 id="business-title">Business</h2>
      <Field label="Business name" hint="Your clients see it in their e-mails, and buyers on the checkout page." error={fieldError(save.error, 'businessName')}>
        {(p) => <input {...p} autoComplete="organization" value={businessName} onChange={(e) => setBusinessName(e.target.value)} />}
      </Field>
      <fieldset className="choice-row">
        <legend>Client seats</legend>
        <label>
          <input type="radio" name="seat-limit-kind" checked={!unlimited} onChange={() => setUnlimited(false)} />
          A limit
        </label>
        <label>
          <input type="radio" name="seat-limit-kind" checked={unlimited} onChange={() => setUnlimited(true)} />
          No limit
        </label>
      </fieldset>
      {!unlimited && (
        <Field label="Seat limit" hint="Every client takes a seat, whatever their type. Buyers past the limit wait for a free seat." error={fieldError(save.error, 'seatLimit')}>
          {(p) => <input {...p} type="number" min={0} step={1} inputMode="numeric" value={seatLimit} onChange={(e) => setSeatLimit(e.target.value)} />}
        </Field>
      )}
      <FormProblem error={save.error} fields={['businessName', 'seatLimit']} />
      <button type="submit" className="primary" disabled={save.busy}>
        Save settings
      </button>
    </form>
  );
}

/**
 * The seats once the roster knows the limit just saved: it hears of a new limit a moment after
 * identity records it (an integration event), so it is asked again a few times, then shown as it is.
 */
async function seatsWithLimit(limit: number | null): Promise<Seats> {
  for (let attempt = 1; ; attempt++) {
    const seats = await api<Seats>('/api/v1/account/seats');
    if (seats.limit === limit || attempt === 20) return seats;
    await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
  }
}

/** GET /api/v1/account/payments: never a key, only a hint of it. */
interface PaymentsSettings {
  provider: 'stripe' | 'none';
  connected: boolean;
  mode?: 'test' | 'live';
  keyHint?: string;
  canSell: boolean;
  webhookUrl: string;
  webhookEvents: string[];
}

/**
 * How the business takes payments: its own Stripe account, connected with a secret key and the
 * signing secret of the webhook endpoint it creates in Stripe for the URL shown here (the
 * business's own). The keys are sent once and never shown again (password fields, cleared after
 * saving); Stripe checks the key before it is stored, and its refusal shows as the form's problem.
 */
function PaymentsCard({ onNotice }: { onNotice: (text: string) => void }) {
  const settings = useLoad(() => api<PaymentsSettings>('/api/v1/account/payments'), []);
  const [secretKey, setSecretKey] = useState('');
  const [webhookSecret, setWebhookSecret] = useState('');
  const [confirming, setConfirming] = useState(false);
  const connect = useSubmit(async () => {
    const connected = await api<PaymentsSettings>('/api/v1/account/payments/stripe', { method: 'PUT', body: { secretKey, webhookSecret } });
    setSecretKey('');
    setWebhookSecret('');
    onNotice(`Stripe is connected (${connected.mode === 'live' ? 'live' : 'test'} mode): buyers now pay through Stripe Checkout.`);
    await settings.reload();
  });
  const disconnect = useSubmit(async () => {
    await api('/api/v1/account/payments/stripe', { method: 'DELETE' });
    setConfirming(false);
    onNotice('Stripe is disconnected; its keys are destroyed and can never be read again.');
    await settings.reload();
  });
  const data = settings.data;
  return (
    <article className="card" aria-labelledby="payments-title" data-testid="settings-payments">
      <h2 id="payments-title">Payments</h2>
      <ErrorNote error={settings.error} />
      {!data ? (
        <Skeleton rows={3} />
      ) : (
        <>
          {data.connected ? (
            <p>
              Stripe is connected in <strong>{data.mode === 'live' ? 'live' : 'test'} mode</strong>
              {data.keyHint ? (
                <>
                  {' '}
                  with the key <code>{data.keyHint}</code>
                </>
              ) : null}
              . Buyers pay through Stripe Checkout.
            </p>
          ) : (
            <p>
              Stripe is not connected.{' '}
              {data.canSell
                ? 'Until it is, checkouts complete without a payment (this server is not in production), for trying things out.'
                : 'Buyers cannot pay for your products until it is.'}
            </p>
          )}
          <p>
            In Stripe (Developers › Webhooks), add an endpoint at this business&rsquo;s own URL <code data-testid="webhook-url">{data.webhookUrl}</code> that sends these
            events (other events of your Stripe account sent there are acknowledged and ignored):
          </p>
          <ul className="webhook-events">
            {data.webhookEvents.map((event) => (
              <li key={event}>
                <code>{event}</code>
              </li>
            ))}
          </ul>
          <form onSubmit={connect.submit} noValidate aria-label={data.connected ? 'Replace the Stripe keys' : 'Connect Stripe'}>
            <Field
              label="Secret key"
              hint="From Stripe's Developers › API keys: sk_test_… to try things out, sk_live_… to sell. Stripe is asked to confirm it before it is saved."
              error={fieldError(connect.error, 'secretKey')}
            >
              {(p) => <input {...p} type="password" autoComplete="off" spellCheck={false} value={secretKey} onChange={(e) => setSecretKey(e.target.value)} />}
            </Field>
            <Field label="Webhook signing secret" hint="The endpoint's signing secret (whsec_…), shown in Stripe once the endpoint above is added." error={fieldError(connect.error, 'webhookSecret')}>
              {(p) => <input {...p} type="password" autoComplete="off" spellCheck={false} value={webhookSecret} onChange={(e) => setWebhookSecret(e.target.value)} />}
            </Field>
            <FormProblem error={connect.error} fields={['secretKey', 'webhookSecret']} />
            <div className="form-actions">
              <button type="submit" className="primary" disabled={connect.busy}>
                {data.connected ? 'Replace keys' : 'Connect Stripe'}
              </button>
              {data.connected && (
                <button type="button" className="danger" onClick={() => setConfirming(true)}>
                  Disconnect
                </button>
              )}
            </div>
          </form>
          {confirming && (
            <Dialog title="Disconnect Stripe?" onClose={() => setConfirming(false)}>
              <form onSubmit={disconnect.submit} className="dialog-body">
                <p>
                  {data.canSell ? 'Checkouts will complete without a payment until you connect Stripe again.' : 'Buyers will not be able to pay until you connect Stripe again.'}{' '}
                  The keys are destroyed; to connect again, paste them again. Purchases already paid stay as they are.
                </p>
                <ErrorNote error={disconnect.error} />
                <div className="dialog-actions">
                  <button type="button" onClick={() => setConfirming(false)}>
                    Keep Stripe
                  </button>
                  <button type="submit" className="danger" disabled={disconnect.busy}>
                    Disconnect Stripe
                  </button>
                </div>
              </form>
            </Dialog>
          )}
        </>
      )}
    </article>
  );
}

/** Account settings for an admin: business name, seat limit and how the seats are used, measurement units. */
export function SettingsPage() {
  // A coach who opens the address: a sentence, not a refused request.
  if (!useCan('admin')) {
    return (
      <section>
        <div className="page-header">
          <h1>Settings</h1>
        </div>
        <p className="muted">Only an administrator of the business can change its settings; ask one if something needs to change.</p>
        <MeasurementUnitsSetting />
      </section>
    );
  }
  return <AccountSettings />;
}

function AccountSettings() {
  const [notice, setNotice] = useState<string | null>(null);
  const account = useLoad(() => api<Account>('/api/v1/account'), []);
  const [limitSaved, setLimitSaved] = useState<{ limit: number | null } | null>(null);
  const seats = useLoad(() => (limitSaved ? seatsWithLimit(limitSaved.limit) : api<Seats>('/api/v1/account/seats')), [limitSaved]);
  const saved = async (next: Account) => {
    setNotice(`Saved: ${next.businessName}, ${next.seatLimit === null ? 'no seat limit' : `${next.seatLimit} client seat${next.seatLimit === 1 ? '' : 's'}`}.`);
    setLimitSaved({ limit: next.seatLimit });
    await account.reload();
  };
  return (
    <section>
      <div className="page-header">
        <h1>Settings</h1>
      </div>
      <Notice text={notice} />
      <ErrorNote error={account.error ?? seats.error} />
      {account.data ? <BusinessForm account={account.data} onSaved={saved} /> : <Skeleton rows={4} />}
      <article className="card" aria-labelledby="seats-title">
        <h2 id="seats-title">Seats in use</h2>
        <SeatUsage seats={seats.data} />
      </article>
      {/* Payments (issue 22): the business's own Stripe account. */}
      <PaymentsCard onNotice={setNotice} />
      {/* Measurement units (issue 21, item 15): the Progress part's own setting, with its own form. */}
      <MeasurementUnitsSetting />
    </section>
  );
}
