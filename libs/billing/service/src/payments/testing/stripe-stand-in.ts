import { createHash, randomBytes } from 'node:crypto';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A local stand-in of the few Stripe API endpoints Clientele calls, for the official `stripe`
 * client pointed at it (STRIPE_API_URL, i.e. its host/port/protocol options): Stripe's API cannot
 * be reached from here. It records every request as Stripe received it (method, path, form body
 * parsed into nested objects, Authorization, Idempotency-Key), answers Stripe-shaped JSON, and
 * behaves as Stripe does where Clientele relies on it:
 * - a repeated Idempotency-Key (per secret key) replays the first answer, with Idempotent-Replayed;
 *   the same key with other parameters is a 400 idempotency_error;
 * - a key of another form than sk_/rk_, one `revokeKeys()` named, or, after `acceptOnlyKeys()`,
 *   one it did not name, is 401 with Stripe's error shape (invalid_request_error, "Invalid API Key
 *   provided: sk_test_****1234"); `rejectKeys()`: every request is 401 (a revoked key);
 *   `forbidKeys()`: 403 permission_error (a restricted key without the permission);
 *   `failNext(500)`: the next requests fail before Stripe's idempotency layer (nothing saved), so
 *   the client's retry can succeed.
 *
 *   POST /v1/checkout/sessions      -> a checkout.session (cs_test_…, url https://checkout.stripe.com/c/pay/cs_test_…)
 *   GET  /v1/checkout/sessions      -> the key's sessions, newest first (`limit`), as a Stripe list
 *   GET  /v1/checkout/sessions/:id  -> that session
 *   GET  /v1/payment_intents/:id    -> the payment intent of a session paid with `pay()`, with the
 *                                      session's payment_intent_data.metadata (as Checkout sets it)
 *   POST /v1/refunds                -> a refund (re_test_…), status succeeded
 */
/** A form body as Stripe reads it: strings, nested in objects and arrays. */
export type StripeForm = { [key: string]: StripeFormValue };
export type StripeFormValue = string | StripeFormValue[] | StripeForm;
/** A Stripe object the stand-in answers (a session, a refund). */
export type StripeObject = Record<string, unknown>;

export interface StripeStandInRequest {
  method: string;
  path: string;
  /** The form body as nested objects and arrays (`line_items[0][price_data][currency]`), values as strings. */
  body: StripeForm;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  headers: IncomingHttpHeaders;
}

interface SavedAnswer {
  fingerprint: string;
  status: number;
  body: unknown;
}

export class StripeStandIn {
  readonly requests: StripeStandInRequest[] = [];
  /** Sessions created, by id, as last answered. */
  readonly sessions = new Map<string, StripeObject>();
  readonly refunds: StripeObject[] = [];
  /** Payment intents of the sessions paid (`pay()`), by id. */
  readonly paymentIntents = new Map<string, StripeObject>();
  /** Each session's payment_intent_data.metadata, for its payment intent once paid. */
  private readonly intentMetadata = new Map<string, unknown>();
  private readonly saved = new Map<string, SavedAnswer>();
  private failures: number[] = [];
  private rejecting = false;
  private readonly revoked = new Set<string>();
  private readonly forbidden = new Set<string>();
  private accepted: Set<string> | null = null;
  /** Which key created each session: a key lists its own sessions only, as one Stripe account. */
  private readonly sessionKeys = new Map<string, string>();

  private readonly server: Server;

  private constructor() {
    this.server = createServer((request, response) => {
      let raw = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (raw += chunk));
      request.on('end', () => {
        const answer = this.handle(request.method ?? 'GET', request.url ?? '/', request.headers, raw);
        response.writeHead(answer.status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(7).toString('hex')}`, ...answer.headers });
        response.end(JSON.stringify(answer.body));
      });
    });
  }

  static async start(): Promise<StripeStandIn> {
    const standIn = new StripeStandIn();
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** The value for STRIPE_API_URL (or `StripeClientOptions.apiUrl`). */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Every request is answered 401, as Stripe answers a revoked or mistyped key; `false` ends it. */
  rejectKeys(rejecting = true): void {
    this.rejecting = rejecting;
  }

  /** These keys are unknown to Stripe from now on (revoked, rolled): 401, as a mistyped key. */
  revokeKeys(...keys: string[]): void {
    for (const key of keys) this.revoked.add(key);
  }

  /** Only these keys are known (every other well-formed key is 401); `null` takes every well-formed key again. */
  acceptOnlyKeys(keys: string[] | null): void {
    this.accepted = keys && new Set(keys);
  }

  /** These keys authenticate but may do nothing (a restricted key without permissions): 403 permission_error. */
  forbidKeys(...keys: string[]): void {
    for (const key of keys) this.forbidden.add(key);
  }

  /** The next requests (one per status) get these statuses, before the idempotency layer: nothing is saved. */
  failNext(...statuses: number[]): void {
    this.failures.push(...statuses);
  }

  /** Forgets the requests seen (not the sessions nor the saved idempotent answers). */
  clearRequests(): void {
    this.requests.length = 0;
  }

  /** A session as paid: its payment intent id (pi_test_…), for the webhook events of S3's tests. */
  pay(sessionId: string): StripeObject {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`the stand-in created no session ${sessionId}`);
    Object.assign(session, { status: 'complete', payment_status: 'paid', payment_intent: session.payment_intent ?? `pi_test_${randomBytes(12).toString('hex')}` });
    const id = session.payment_intent as string;
    if (!this.paymentIntents.has(id)) {
      const intent = { id, object: 'payment_intent', amount: session.amount_total, currency: session.currency, status: 'succeeded', metadata: this.intentMetadata.get(sessionId) ?? {} };
      this.paymentIntents.set(id, intent);
      this.sessionKeys.set(id, this.sessionKeys.get(sessionId) ?? '');
    }
    return session;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(method: string, url: string, headers: IncomingHttpHeaders, raw: string): { status: number; body: unknown; headers?: Record<string, string> } {
    const path = url.split('?')[0];
    const body = parseStripeForm(raw);
    const idempotencyKey = headers['idempotency-key'] as string | undefined;
    const authorization = headers.authorization;
    this.requests.push({ method, path, body, authorization, idempotencyKey, headers });

    const failure = this.failures.shift();
    if (failure !== undefined) return { status: failure, body: stripeError(failure >= 500 ? 'api_error' : 'invalid_request_error', `The stand-in failed this request with ${failure}.`) };
    const key = (authorization ?? '').replace(/^Bearer /, '');
    if (this.rejecting || !/^(sk|rk)_(test|live)_/.test(key) || this.revoked.has(key) || (this.accepted !== null && !this.accepted.has(key))) {
      // As Stripe: the key masked but for its start and last four characters.
      return { status: 401, body: stripeError('invalid_request_error', `Invalid API Key provided: ${key.slice(0, 8)}****${key.slice(-4)}`) };
    }
    if (this.forbidden.has(key)) {
      return { status: 403, body: stripeError('invalid_request_error', `The provided key '${key.slice(0, 8)}****${key.slice(-4)}' does not have the required permissions for this endpoint.`) };
    }

    if (method === 'POST' && idempotencyKey) {
      const scope = `${authorization}\u0000${idempotencyKey}`;
      const fingerprint = createHash('sha256').update(`${method} ${path} ${raw}`).digest('hex');
      const earlier = this.saved.get(scope);
      if (earlier) {
        if (earlier.fingerprint !== fingerprint) {
          return {
            status: 400,
            body: stripeError('idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`),
          };
        }
        return { status: earlier.status, body: earlier.body, headers: { 'idempotent-replayed': 'true' } };
      }
      const answer = this.route(method, path, body, key, url);
      // As Stripe: a request refused for its parameters saves nothing; what ran (or failed inside) is replayed.
      if (answer.status < 400 || answer.status >= 500) this.saved.set(scope, { fingerprint, ...answer });
      return answer;
    }
    return this.route(method, path, body, key, url);
  }

  private route(method: string, path: string, body: StripeForm, key: string, url: string): { status: number; body: unknown } {
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const session = this.createSession(body);
      this.sessionKeys.set(session.id, key);
      this.intentMetadata.set(session.id, (body.payment_intent_data as StripeForm | undefined)?.metadata ?? {});
      return { status: 200, body: session };
    }
    if (method === 'GET' && path === '/v1/checkout/sessions') {
      const limit = Math.min(Math.max(Number(new URLSearchParams(url.split('?')[1] ?? '').get('limit') ?? 10) || 10, 1), 100);
      const own = [...this.sessions.values()].filter((s) => this.sessionKeys.get(s.id as string) === key).reverse();
      return { status: 200, body: { object: 'list', data: own.slice(0, limit), has_more: own.length > limit, url: '/v1/checkout/sessions' } };
    }
    const session = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === 'GET' && session) {
      const found = this.sessions.get(session[1]);
      return found ? { status: 200, body: found } : { status: 404, body: stripeError('invalid_request_error', `No such checkout.session: '${session[1]}'`, 'resource_missing') };
    }
    const intent = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && intent) {
      // One Stripe account's: another key's payment intent is unknown to it.
      const found = this.paymentIntents.get(intent[1]);
      return found && this.sessionKeys.get(intent[1]) === key
        ? { status: 200, body: found }
        : { status: 404, body: stripeError('invalid_request_error', `No such payment_intent: '${intent[1]}'`, 'resource_missing') };
    }
    if (method === 'POST' && path === '/v1/refunds') return this.createRefund(body);
    return { status: 404, body: stripeError('invalid_request_error', `Unrecognized request URL (${method}: ${path}).`) };
  }

  private createSession(body: StripeForm): StripeObject & { id: string } {
    const id = `cs_test_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'a')}`;
    const lines = (Array.isArray(body.line_items) ? body.line_items : []) as StripeForm[];
    const priceOf = (line: StripeForm) => (line.price_data ?? {}) as StripeForm;
    const amountTotal = lines.reduce((sum, line) => sum + Number(priceOf(line).unit_amount ?? 0) * Number(line.quantity ?? 1), 0);
    const created = Math.floor(Date.now() / 1000);
    const session = {
      id,
      object: 'checkout.session',
      amount_subtotal: amountTotal,
      amount_total: amountTotal,
      cancel_url: body.cancel_url ?? null,
      client_reference_id: body.client_reference_id ?? null,
      created,
      currency: lines[0] ? (priceOf(lines[0]).currency ?? null) : null,
      customer_email: body.customer_email ?? null,
      expires_at: body.expires_at ? Number(body.expires_at) : created + 24 * 3600,
      livemode: false,
      metadata: body.metadata ?? {},
      mode: body.mode,
      payment_intent: null,
      payment_status: 'unpaid',
      status: 'open',
      success_url: body.success_url ?? null,
      url: `https://checkout.stripe.com/c/pay/${id}#fidkdWxOYHwnPyd1blpxYHZxWjA0`,
    };
    this.sessions.set(id, session);
    return session;
  }

  private createRefund(body: StripeForm): { status: number; body: unknown } {
    if (!body.payment_intent && !body.charge) {
      return { status: 400, body: stripeError('invalid_request_error', 'One of the following params should be provided for this request: payment_intent or charge.', 'parameter_missing') };
    }
    const refund = {
      id: `re_test_${randomBytes(12).toString('hex')}`,
      object: 'refund',
      amount: Number(body.amount),
      charge: `ch_test_${randomBytes(12).toString('hex')}`,
      created: Math.floor(Date.now() / 1000),
      currency: 'eur',
      metadata: body.metadata ?? {},
      payment_intent: body.payment_intent ?? null,
      status: 'succeeded',
    };
    this.refunds.push(refund);
    return { status: 200, body: refund };
  }
}

function stripeError(type: string, message: string, code?: string) {
  return { error: { type, message, ...(code ? { code } : {}) } };
}

/**
 * Stripe's form encoding (`a[b][0][c]=x`) as nested objects; a level whose keys are all indices is
 * an array, as Stripe reads it.
 */
export function parseStripeForm(raw: string): StripeForm {
  const root: StripeForm = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    const [head, ...rest] = name.split('[');
    const path = [head, ...rest.map((part) => part.replace(/\]$/, ''))];
    let node: StripeForm = root;
    path.forEach((key, i) => {
      if (i === path.length - 1) node[key] = value;
      else node = (node[key] ??= {}) as StripeForm;
    });
  }
  return arrays(root) as StripeForm;
}

function arrays(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, arrays(v)] as const);
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
  }
  return Object.fromEntries(entries);
}

// ---------------------------------------------------------------------------------------------
// Signed webhooks, as Stripe sends them: for the webhook reader's specs and the e2e tests.

export interface PurchaseRef {
  purchaseId: string;
  accountId: string;
  productId?: string;
}

let eventCounter = 0;

/** A Stripe event around an object (`evt_test_…`, API version pinned as the adapter's). */
export function stripeEvent(type: string, object: Record<string, unknown>, options: { id?: string; created?: number } = {}): Record<string, unknown> {
  return {
    id: options.id ?? `evt_test_${Date.now().toString(36)}${(eventCounter++).toString(36)}${randomBytes(6).toString('hex')}`,
    object: 'event',
    api_version: '2025-02-24.acacia',
    created: options.created ?? Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/** A checkout.session.* event of a purchase's session (completed: paid unless said otherwise). */
export function checkoutSessionEvent(
  type: 'checkout.session.completed' | 'checkout.session.expired' | 'checkout.session.async_payment_failed' | 'checkout.session.async_payment_succeeded',
  purchase: PurchaseRef & { sessionId?: string; paymentIntentId?: string | null; paymentStatus?: 'paid' | 'unpaid' | 'no_payment_required'; amount?: number; currency?: string },
  options: { id?: string; created?: number } = {},
): Record<string, unknown> {
  const completed = type === 'checkout.session.completed' || type === 'checkout.session.async_payment_succeeded';
  const metadata = { purchaseId: purchase.purchaseId, accountId: purchase.accountId, ...(purchase.productId ? { productId: purchase.productId } : {}) };
  return stripeEvent(
    type,
    {
      id: purchase.sessionId ?? `cs_test_${randomBytes(12).toString('hex')}`,
      object: 'checkout.session',
      amount_total: purchase.amount ?? 50000,
      client_reference_id: purchase.purchaseId,
      currency: (purchase.currency ?? 'eur').toLowerCase(),
      metadata,
      mode: 'payment',
      payment_intent: completed ? (purchase.paymentIntentId === undefined ? `pi_test_${randomBytes(12).toString('hex')}` : purchase.paymentIntentId) : null,
      payment_status: purchase.paymentStatus ?? (type === 'checkout.session.completed' || type === 'checkout.session.async_payment_succeeded' ? 'paid' : 'unpaid'),
      status: type === 'checkout.session.expired' ? 'expired' : 'complete',
    },
    options,
  );
}

/** charge.refunded of a purchase's payment: `amountRefunded` is the charge's total refunded so far (Stripe's cumulative amount_refunded). */
export function chargeRefundedEvent(
  purchase: PurchaseRef & { amountRefunded: number; amount?: number; currency?: string; paymentIntentId?: string; refundId?: string },
  options: { id?: string; created?: number } = {},
): Record<string, unknown> {
  const metadata = { purchaseId: purchase.purchaseId, accountId: purchase.accountId, ...(purchase.productId ? { productId: purchase.productId } : {}) };
  const amount = purchase.amount ?? 50000;
  return stripeEvent(
    'charge.refunded',
    {
      id: `ch_test_${randomBytes(12).toString('hex')}`,
      object: 'charge',
      amount,
      amount_refunded: purchase.amountRefunded,
      currency: (purchase.currency ?? 'eur').toLowerCase(),
      metadata,
      paid: true,
      payment_intent: purchase.paymentIntentId ?? `pi_test_${randomBytes(12).toString('hex')}`,
      refunded: purchase.amountRefunded >= amount,
      refunds: { object: 'list', data: purchase.refundId ? [{ id: purchase.refundId, object: 'refund', amount: purchase.amountRefunded }] : [], has_more: false },
    },
    options,
  );
}

/**
 * The raw body and `Stripe-Signature` header Stripe would send, signed with the endpoint's secret by
 * the real `stripe.webhooks.generateTestHeaderString`. `timestamp` (seconds) signs it at another
 * time: older than five minutes, it is a replay the webhook refuses.
 */
export function signedWebhook(event: Record<string, unknown>, webhookSecret: string, timestamp?: number): { body: string; signature: string } {
  const body = JSON.stringify(event, null, 2);
  return { body, signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret: webhookSecret, timestamp }) };
}
