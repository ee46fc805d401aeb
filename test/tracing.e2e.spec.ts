import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deployedForSuite, separateProcesses, singleProcess } from './support/deployments';
import { eventually } from './support/eventually';
import { Api, signUp, uniqueEmail } from './support/http';

/**
 * Traces (issue 24, item 2): one checkout is one trace across the processes of the distributed
 * profile, from the gateway's HTTP span through billing, the clients saga, identity and
 * notifications; and with OTEL_EXPORTER_OTLP_ENDPOINT unset, no process sends anything.
 */

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  service: string;
}

/** A stand-in OpenTelemetry collector on loopback: OTLP/HTTP JSON at POST /v1/traces. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  posts = 0;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        if (request.method !== 'POST' || request.url !== '/v1/traces') return void response.writeHead(404).end();
        this.posts++;
        for (const { resource, scopeSpans } of JSON.parse(body).resourceSpans ?? []) {
          const service = resource.attributes.find((attribute: { key: string }) => attribute.key === 'service.name')?.value.stringValue;
          for (const { spans } of scopeSpans) for (const span of spans) this.spans.push({ ...span, parentSpanId: span.parentSpanId || undefined, service });
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const SERVICES = ['clientele-gateway', 'clientele-billing', 'clientele-clients', 'clientele-identity', 'clientele-notifications'];

async function buy(api: Api, traceparent?: string) {
  const business = await signUp(api);
  const product = await business.admin.post('/api/v1/products', { name: '12-week strength', price: { amount: 4900, currency: 'EUR' } });
  expect(product.status).toBe(201);
  const email = uniqueEmail('traced');
  const bought = await api.post(
    '/api/v1/checkout',
    { productId: product.body.id, buyer: { firstName: 'Bea', lastName: 'Buyer', email } },
    { 'idempotency-key': randomUUID(), ...(traceparent ? { traceparent } : {}) },
  );
  expect(bought.status).toBe(201);
  // The last step of the chain: notifications sent the invitation identity asked for.
  const mails = await eventually(
    async () => (await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`)).body.items as Array<{ kind: string }>,
    (items) => items.length > 0,
    { timeoutMs: 30_000 },
  );
  expect(mails.map((mail) => mail.kind)).toEqual(['invitation']);
}

/** The trace as an indented tree, for a person reading it (PRINT_TRACE=1). */
function printTree(spans: ReceivedSpan[], rootParent: string): void {
  const lines: string[] = [];
  const visit = (parent: string, depth: number) => {
    for (const span of spans.filter((s) => s.parentSpanId === parent)) {
      lines.push(`${'  '.repeat(depth)}${span.service}: ${span.name}`);
      visit(span.spanId, depth + 1);
    }
  };
  visit(rootParent, 0);
  console.log(lines.join('\n'));
}

describe('traces of one checkout, as separate processes over NATS', () => {
  const receiver = new OtlpReceiver();
  let endpoint = '';
  beforeAll(async () => {
    endpoint = await receiver.start();
  });
  afterAll(() => receiver.stop());
  // Batches every 100 ms rather than 5 s, so the spans come while the test waits for them.
  const deployed = deployedForSuite(() => separateProcesses({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' }), 240_000);

  it('is one trace, a tree rooted at the gateway’s HTTP span, with spans of the gateway, billing, clients, identity and notifications', async () => {
    // The caller's own trace context: the gateway's span is its child.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    await buy(deployed.api, `00-${traceId}-${callerSpanId}-01`);

    const ofCheckout = () => receiver.spans.filter((span) => span.traceId === traceId);
    const complete = (spans: ReceivedSpan[]) => {
      const ids = new Set(spans.map((span) => span.spanId));
      return (
        SERVICES.every((service) => spans.some((span) => span.service === service)) &&
        spans.some((span) => span.service === 'clientele-notifications' && span.kind === 5) &&
        spans.every((span) => span.parentSpanId === callerSpanId || ids.has(span.parentSpanId!))
      );
    };
    const spans = await eventually(async () => ofCheckout(), complete, { timeoutMs: 30_000 });

    // Every span of the checkout, in every process, carries the one trace id (the filter), and they come from each
    // service of the chain (messaging and scheduling react to the new client too).
    expect([...new Set(spans.map((span) => span.service))]).toEqual(expect.arrayContaining(SERVICES));
    if (process.env.PRINT_TRACE) printTree(spans, callerSpanId);
    // One root: the gateway's server span (kind 2) of the checkout route, child of the caller's span.
    const roots = spans.filter((span) => span.parentSpanId === callerSpanId);
    expect(roots).toEqual([expect.objectContaining({ service: 'clientele-gateway', name: 'POST /api/v1/checkout', kind: 2 })]);
    // Every other span's parent is a span of the trace: walking up from any span reaches the root.
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    for (const span of spans) {
      let walked = span;
      for (let steps = 0; walked !== roots[0]; steps++) {
        expect(steps).toBeLessThan(spans.length);
        walked = byId.get(walked.parentSpanId!)!;
        expect(walked).toBeDefined();
      }
    }
    // The path of the checkout: gateway -> billing's checkout -> the clients saga -> identity's reaction -> notifications' mail.
    const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId!)!;
    const checkout = spans.find((span) => span.service === 'clientele-billing' && span.name === 'billing.cmd.checkout')!;
    expect(parentOf(checkout)).toBe(roots[0]);
    const consumer = (service: string, of: string) => spans.find((span) => span.service === service && span.kind === 5 && span.name.startsWith(of) && span.name.endsWith(' process'))!;
    const saga = consumer('clientele-clients', 'billing.');
    expect(parentOf(saga)).toBe(checkout);
    const identity = consumer('clientele-identity', 'clients.');
    expect(parentOf(identity).service).toBe('clientele-clients');
    const mail = consumer('clientele-notifications', 'identity.');
    expect(parentOf(mail).service).toBe('clientele-identity');
  });

  it('puts the session check of a signed-in request (asked by the auth guard, before the handler) in the request’s trace', async () => {
    const business = await signUp(deployed.api);
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const created = await business.admin.post('/api/v1/products', { name: 'Yoga', price: { amount: 900, currency: 'EUR' } }, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(created.status).toBe(201);
    const names = ['POST /api/v1/products', 'identity.query.check-staff-session', 'billing.cmd.create-product'];
    const spans = await eventually(
      async () => receiver.spans.filter((span) => span.traceId === traceId),
      (found) => names.every((name) => found.some((span) => span.name === name)),
      { timeoutMs: 30_000 },
    );
    const named = (name: string) => spans.find((span) => span.name === name)!;
    expect(named('POST /api/v1/products')).toMatchObject({ service: 'clientele-gateway', parentSpanId: callerSpanId });
    const root = named('POST /api/v1/products').spanId;
    expect(named('identity.query.check-staff-session')).toMatchObject({ service: 'clientele-identity', parentSpanId: root });
    expect(named('billing.cmd.create-product')).toMatchObject({ service: 'clientele-billing', parentSpanId: root });
  });
});

describe('traces of one checkout, in one process (npm start)', () => {
  const receiver = new OtlpReceiver();
  let endpoint = '';
  beforeAll(async () => {
    endpoint = await receiver.start();
  });
  afterAll(() => receiver.stop());
  const deployed = deployedForSuite(() => singleProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' }));

  it('is one trace too, over the in-process bus, as the service "clientele"', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    await buy(deployed.api, `00-${traceId}-${callerSpanId}-01`);
    const steps = ['POST /api/v1/checkout', 'billing.cmd.checkout', 'billing.purchase.completed.v1 process', 'clients.client.added.v1 process', 'identity.client-access.mail-requested.v1 process'];
    const spans = await eventually(
      async () => receiver.spans.filter((span) => span.traceId === traceId),
      (found) => steps.every((step) => found.some((span) => span.name === step)) && found.every((span) => span.parentSpanId === callerSpanId || found.some((other) => other.spanId === span.parentSpanId)),
      { timeoutMs: 30_000 },
    );
    expect(spans.map((span) => span.name)).toEqual(expect.arrayContaining(steps));
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['clientele']));
    const ids = new Set(spans.map((span) => span.spanId));
    expect(spans.filter((span) => !ids.has(span.parentSpanId!))).toEqual([expect.objectContaining({ name: 'POST /api/v1/checkout', parentSpanId: callerSpanId })]);
  });
});

describe('traces off (OTEL_EXPORTER_OTLP_ENDPOINT unset), in one process', () => {
  const receiver = new OtlpReceiver();
  let endpoint = '';
  beforeAll(async () => {
    endpoint = await receiver.start();
  });
  afterAll(() => receiver.stop());
  // Every other OpenTelemetry setting points at the receiver: only the endpoint turns traces on.
  const deployed = deployedForSuite(() =>
    singleProcess({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces`, OTEL_SERVICE_NAME: 'clientele-off', OTEL_BSP_SCHEDULE_DELAY: '100' }),
  );

  it('sends nothing, even when stopped (a started SDK sends what it batched on a stop)', async () => {
    await buy(deployed.api, `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`);
    await deployed.deployment.stop();
    expect(receiver.posts).toBe(0);
  });
});
