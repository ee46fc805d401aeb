import Fastify from 'fastify';
import { ConsumerFigures, ProcessMetrics, ProcessorFigures } from './process-metrics';
import { recordHttpMetrics, serveMetrics } from './http-metrics';

/** The value of one series in the exposition text, undefined when absent. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ProcessMetrics', () => {
  it('keeps a registry per host: what one host observes never shows in another', async () => {
    const one = new ProcessMetrics({ defaultMetrics: false });
    const other = new ProcessMetrics({ defaultMetrics: false });
    one.observeBusRequest('clients.cmd.addClient', 'ok', 0.003);
    one.countMail('invitation', 'sent');
    expect(valueOf(await one.text(), 'clientele_bus_request_duration_seconds_count{subject="clients.cmd.addClient",outcome="ok"}')).toBe(1);
    expect(valueOf(await one.text(), 'clientele_mail_sent_total{kind="invitation",outcome="sent"}')).toBe(1);
    expect(await other.text()).not.toMatch(/addClient|invitation/);
  });

  it('serves the default process metrics', async () => {
    const text = await new ProcessMetrics().text();
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('reads consumers at scrape time: pending and dead letters as they are now, redeliveries as a counter of the growth', async () => {
    let now = 1_000_000;
    const metrics = new ProcessMetrics({ defaultMetrics: false, now: () => now });
    let consumers: ConsumerFigures[] = [
      { consumer: 'clients--billing', pending: 3, redeliveries: 0, deadLetters: 0 },
      { consumer: 'notifications--identity', pending: 0, redeliveries: 2, deadLetters: 1 },
    ];
    let reads = 0;
    metrics.collectConsumers(async () => {
      reads++;
      return consumers;
    });
    let text = await metrics.text();
    // One read of the source for the three metrics of one scrape.
    expect(reads).toBe(1);
    expect(valueOf(text, 'clientele_consumer_pending_messages{consumer="clients--billing"}')).toBe(3);
    expect(valueOf(text, 'clientele_consumer_redeliveries_total{consumer="clients--billing"}')).toBe(0);
    expect(valueOf(text, 'clientele_consumer_redeliveries_total{consumer="notifications--identity"}')).toBe(2);
    expect(valueOf(text, 'clientele_dead_letters{consumer="notifications--identity"}')).toBe(1);

    consumers = [{ consumer: 'clients--billing', pending: 0, redeliveries: 4, deadLetters: 1 }];
    now += 1_000; // the next scrape: past the reuse of one scrape's reading
    text = await metrics.text();
    expect(valueOf(text, 'clientele_consumer_pending_messages{consumer="clients--billing"}')).toBe(0);
    expect(valueOf(text, 'clientele_consumer_redeliveries_total{consumer="clients--billing"}')).toBe(4);
    expect(valueOf(text, 'clientele_dead_letters{consumer="clients--billing"}')).toBe(1);
    // A consumer that stopped leaves the gauges; a counter keeps what it counted.
    expect(valueOf(text, 'clientele_consumer_pending_messages{consumer="notifications--identity"}')).toBeUndefined();
    expect(valueOf(text, 'clientele_consumer_redeliveries_total{consumer="notifications--identity"}')).toBe(2);
  });

  it('reports each processor lag under projection or outbox, only where it runs, and which leases this replica holds', async () => {
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    const processors: ProcessorFigures[] = [
      { processor: 'clients_views', kind: 'projection', lagEvents: 7, leaseHolder: true },
      { processor: 'clients_outbox', kind: 'outbox', lagEvents: 0, leaseHolder: true },
      { processor: 'identity_views', kind: 'projection', lagEvents: null, leaseHolder: false },
    ];
    metrics.collectProcessors(async () => processors);
    const text = await metrics.text();
    expect(valueOf(text, 'clientele_projection_lag_events{processor="clients_views"}')).toBe(7);
    expect(valueOf(text, 'clientele_projection_lag_events{processor="clients_outbox"}')).toBeUndefined();
    expect(valueOf(text, 'clientele_outbox_lag_events{processor="clients_outbox"}')).toBe(0);
    expect(valueOf(text, 'clientele_projection_lag_events{processor="identity_views"}')).toBeUndefined();
    expect(valueOf(text, 'clientele_lease_holder{lease="clients_views"}')).toBe(1);
    expect(valueOf(text, 'clientele_lease_holder{lease="identity_views"}')).toBe(0);
  });

  it('leaves a failing source out of the scrape and counts it, and still answers the rest', async () => {
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    metrics.collectConsumers(async () => {
      throw new Error('NATS is away');
    });
    metrics.collectProcessors(async () => [{ processor: 'clients_views', kind: 'projection', lagEvents: 0, leaseHolder: true }]);
    const text = await metrics.text();
    expect(text).not.toMatch(/^clientele_consumer_pending_messages\{/m);
    expect(valueOf(text, 'clientele_metrics_source_errors_total{source="consumers"}')).toBe(1);
    expect(valueOf(text, 'clientele_projection_lag_events{processor="clients_views"}')).toBe(0);
  });
});

describe('HTTP metrics on Fastify', () => {
  it('labels each answer with its route template, method and status, never the raw URL', async () => {
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    const fastify = Fastify();
    recordHttpMetrics(fastify, metrics);
    fastify.get('/api/v1/clients/:id', async (request, reply) => reply.status((request.params as { id: string }).id === 'gone' ? 404 : 200).send({}));
    await fastify.inject({ method: 'GET', url: '/api/v1/clients/7c1e0c5e-0000-4000-8000-000000000001' });
    await fastify.inject({ method: 'GET', url: '/api/v1/clients/7c1e0c5e-0000-4000-8000-000000000002' });
    await fastify.inject({ method: 'GET', url: '/api/v1/clients/gone' });
    await fastify.inject({ method: 'DELETE', url: '/no/such/route/123' });
    const text = await metrics.text();
    expect(valueOf(text, 'http_request_duration_seconds_count{route="/api/v1/clients/:id",method="GET",status="200"}')).toBe(2);
    expect(valueOf(text, 'http_request_duration_seconds_count{route="/api/v1/clients/:id",method="GET",status="404"}')).toBe(1);
    expect(valueOf(text, 'http_request_duration_seconds_count{route="(unmatched)",method="DELETE",status="404"}')).toBe(1);
    expect(text).not.toMatch(/7c1e0c5e|\/no\/such/);
    await fastify.close();
  });

  it('serves the exposition text at /metrics when asked to', async () => {
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    const fastify = Fastify();
    serveMetrics(fastify, metrics);
    const answer = await fastify.inject({ method: 'GET', url: '/metrics' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(answer.body).toMatch(/# TYPE http_request_duration_seconds histogram/);
    await fastify.close();
  });
});
