import { BillingSubjects, PaymentsErrors } from '@clientele/billing/contracts';
import type { RequestClient } from '@clientele/platform/bus';
import { AppError, UnavailableError } from '@clientele/platform/core';
import { JsonLogger } from '@clientele/platform/logging';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import Stripe from 'stripe';
import { BODY_LIMIT_BYTES, GatewayModule, configureGatewayApp } from '../gateway.module';

/**
 * The webhook route in the real gateway app (its body parsers, guards and problem filter), with
 * the bus replaced by a recorder: what reaches billing, byte for byte, and what the route answers.
 */
const SECRET = 'whsec_spec_secret';

describe('POST /api/v1/payments/stripe/webhook[/:accountId] (the gateway side)', () => {
  let app: NestFastifyApplication;
  const sent: Array<{ subject: string; payload: { data: Record<string, unknown> } }> = [];
  let answer: (subject: string, payload: { data: Record<string, unknown> }) => Promise<unknown> = async () => ({ eventId: 'evt', recorded: true });

  beforeAll(async () => {
    const requests: RequestClient = {
      request: async <T>(subject: string, payload: unknown) => {
        sent.push({ subject, payload: payload as { data: Record<string, unknown> } });
        return (await answer(subject, payload as { data: Record<string, unknown> })) as T;
      },
    };
    const logger = new JsonLogger('error', { write: () => undefined });
    app = await NestFactory.create<NestFastifyApplication>(
      GatewayModule.register({ requests, jwtSecret: 'x'.repeat(40), logger, authRateLimitPerMinute: 5, healthChecks: () => ({}), draining: () => false, devMailbox: false }),
      new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }),
      { logger: false, bodyParser: false },
    );
    configureGatewayApp(app, logger);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app?.close());
  beforeEach(() => {
    sent.length = 0;
    answer = async () => ({ eventId: 'evt', recorded: true });
  });

  const post = (url: string, body: string, headers: Record<string, string> = {}, remoteAddress = '10.0.0.1') =>
    app.getHttpAdapter().getInstance().inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, remoteAddress });

  it('hands billing the exact bytes Stripe signed (spacing, key order, escapes and non-ASCII kept) with the signature, and answers 200 once billing answered', async () => {
    const body = '{\n  "id": "evt_1",  "type":"checkout.session.completed", "z": 1, "a": "\\u00e9 é ✓", "data": {"object": {"metadata": {"accountId": "acc"}}}\n}\n';
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
    const received = await post('/api/v1/payments/stripe/webhook', body, { 'stripe-signature': signature });
    expect({ status: received.statusCode, body: received.json() }).toEqual({ status: 200, body: { received: true } });
    expect(sent).toHaveLength(1);
    expect(sent[0].subject).toBe(BillingSubjects.recordProviderEvent);
    expect(sent[0].payload).not.toHaveProperty('actor');
    const { rawBody, ...rest } = sent[0].payload.data;
    expect(Buffer.from(rawBody as string, 'base64').equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(rest).toEqual({ provider: 'stripe', signature });
    // What billing verifies with is what Stripe signed.
    expect(() => Stripe.webhooks.constructEvent(Buffer.from(rawBody as string, 'base64'), signature, SECRET, 300)).not.toThrow();
  });

  it("hands billing a business's own URL's deliveries with the account the URL names, which decides whose secret verifies them", async () => {
    const body = '{"id":"evt_own","type":"charge.refunded","data":{"object":{"metadata":{}}}}';
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
    answer = async () => ({ eventId: 'evt_own', recorded: false });
    const received = await post('/api/v1/payments/stripe/webhook/0f8fad5b-d9cb-469f-a165-70867728950e', body, { 'stripe-signature': signature });
    // Not a purchase (billing recorded nothing): still 200, so Stripe does not retry it.
    expect({ status: received.statusCode, body: received.json() }).toEqual({ status: 200, body: { received: true } });
    expect(sent).toHaveLength(1);
    const { rawBody, ...rest } = sent[0].payload.data;
    expect(Buffer.from(rawBody as string, 'base64').toString('utf8')).toBe(body);
    expect(rest).toEqual({ provider: 'stripe', signature, accountId: '0f8fad5b-d9cb-469f-a165-70867728950e' });
  });

  it("refuses a business's URL without a signature, or naming no account id, with 400 invalid_signature, without asking billing", async () => {
    const body = '{"id":"evt_x"}';
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
    for (const [url, headers] of [
      ['/api/v1/payments/stripe/webhook/acc-1', {}],
      ['/api/v1/payments/stripe/webhook/acc%20one', { 'stripe-signature': signature }],
      ['/api/v1/payments/stripe/webhook/acc%2Fone', { 'stripe-signature': signature }],
    ] as Array<[string, Record<string, string>]>) {
      const refused = await post(url, body, headers, '10.0.0.20');
      expect({ url, status: refused.statusCode, code: refused.json().code }).toEqual({ url, status: 400, code: 'invalid_signature' });
    }
    expect(sent).toEqual([]);
  });

  it('refuses a delivery without a Stripe signature with 400 invalid_signature, without asking billing', async () => {
    for (const headers of [{}, { 'stripe-signature': 'nonsense' }, { 'stripe-signature': 't=123' }] as Array<Record<string, string>>) {
      const refused = await post('/api/v1/payments/stripe/webhook', '{"id":"evt_2"}', headers, '10.0.0.2');
      expect({ status: refused.statusCode, type: refused.headers['content-type'], code: refused.json().code }).toEqual({
        status: 400,
        type: 'application/problem+json; charset=utf-8',
        code: 'invalid_signature',
      });
    }
    expect(sent).toEqual([]);
  });

  it("answers billing's refusal (tampered, stale, unknown account) as 400, and no 2xx when billing cannot answer, so that Stripe delivers again", async () => {
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: '{}', secret: SECRET });
    answer = async () => {
      throw PaymentsErrors.invalidSignature('its signature does not match its body');
    };
    const refused = await post('/api/v1/payments/stripe/webhook', '{"id":"evt_3"}', { 'stripe-signature': signature }, '10.0.0.3');
    expect({ status: refused.statusCode, code: refused.json().code }).toEqual({ status: 400, code: 'invalid_signature' });
    answer = async () => {
      throw new UnavailableError('billing did not answer in time');
    };
    const down = await post('/api/v1/payments/stripe/webhook', '{"id":"evt_4"}', { 'stripe-signature': signature }, '10.0.0.3');
    expect({ status: down.statusCode, code: down.json().code }).toEqual({ status: 503, code: 'unavailable' });
  });

  it('limits refused deliveries per address (429 with Retry-After), never the signed ones of another address', async () => {
    for (let i = 0; i < 5; i++) expect((await post('/api/v1/payments/stripe/webhook', '{}', {}, '10.0.0.9')).statusCode).toBe(400);
    const limited = await post('/api/v1/payments/stripe/webhook', '{}', {}, '10.0.0.9');
    expect({ status: limited.statusCode, code: limited.json().code, retry: Number(limited.headers['retry-after']) > 0 }).toEqual({ status: 429, code: 'rate_limited', retry: true });
    const body = '{"id":"evt_5"}';
    for (let i = 0; i < 8; i++) {
      const signed = await post('/api/v1/payments/stripe/webhook', body, { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) }, '10.0.0.10');
      expect(signed.statusCode).toBe(200);
    }
  });

  it('keeps every other route as it was: JSON parsed (and refused when not JSON) as before', async () => {
    const notJson = await post('/api/v1/checkout', '{"productId":', { 'idempotency-key': 'k' });
    expect({ status: notJson.statusCode, code: notJson.json().code }).toEqual({ status: 400, code: 'validation_failed' });
    answer = async (subject) => (subject === BillingSubjects.checkout ? { purchaseId: 'p', productId: 'prod', status: 'pending_payment', paymentUrl: 'https://checkout.stripe.com/c/pay/cs_1' } : {});
    const body = { productId: 'prod', buyer: { firstName: 'Bé', lastName: 'Buyer', email: 'bea@example.com' } };
    const bought = await post('/api/v1/checkout', JSON.stringify(body), { 'idempotency-key': 'k' });
    expect({ status: bought.statusCode, body: bought.json() }).toEqual({
      status: 201,
      body: { purchaseId: 'p', productId: 'prod', status: 'pending_payment', paymentUrl: 'https://checkout.stripe.com/c/pay/cs_1', enrolment: 'in_progress' },
    });
    // Parsed as before (the buyer's accents intact), and no enrolment wait for a payment still to be made.
    expect(sent.map((s) => s.subject)).toEqual([BillingSubjects.checkout]);
    expect(sent[0].payload.data).toEqual(body);
  });

  it('turns an AppError of billing into its problem (e.g. another error code) unchanged', async () => {
    answer = async () => {
      throw new AppError('validation_failed', 'A provider event needs its id.');
    };
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: '{}', secret: SECRET });
    const refused = await post('/api/v1/payments/stripe/webhook', '{"x":1}', { 'stripe-signature': signature }, '10.0.0.4');
    expect(refused.statusCode).toBe(400);
  });
});
