import { PLATFORM, Platform } from '@clientele/host';
import type { IntegrationEvent } from '@clientele/platform/bus';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusInspector } from './support/bus-inspector';
import { distributedSettings, newNamespace } from './support/deployments';
import { until } from './support/faults-load';
import { Api, Business, newClient, signUp } from './support/http';
import { RunningSystem, inProcessForSuite } from './support/in-process';
import { removeNamespace } from './support/nats-cleanup';
import { ClienteleProcess, compiledClientele, freePorts, spawnClientele, stopAll, waitUntilHealthy } from './support/processes';

/**
 * Issue 24, item 1: Prometheus metrics at /metrics on every process's admin port
 * (CLIENTELE_HEALTH_PORT), and on the gateway's public port only with CLIENTELE_METRICS_PUBLIC=true.
 * The figures move with what happens: HTTP and bus requests, mails, a poison event's redeliveries
 * and dead letter, and the projections' lag back to 0 once idle. In one process (the embedded
 * profile), and in separate processes over NATS (pending messages and redeliveries from JetStream).
 */

/** Every series of the exposition text, `name{labels}` to value. */
function parse(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

/** The series of one metric, by their labels (`route="/x",method="GET"`). */
function seriesOf(metrics: Map<string, number>, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const [key, value] of metrics) {
    if (key === name) found.set('', value);
    else if (key.startsWith(`${name}{`)) found.set(key.slice(name.length + 1, -1), value);
  }
  return found;
}

async function scrape(api: Api): Promise<Map<string, number>> {
  const answer = await api.get<string>('/metrics');
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}`);
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(answer.body);
}

const value = (metrics: Map<string, number>, series: string) => metrics.get(series) ?? 0;

/**
 * A messaging event whose handler (clients' `clients--messaging`, 5 deliveries, retried after
 * 0.2, 1, then 5 s) throws on every delivery: its data is not an object.
 */
const poisonEvent = (): IntegrationEvent => ({
  id: randomUUID(),
  subject: 'messaging.thread.message-sent.v1',
  occurredAt: new Date().toISOString(),
  data: null as unknown as Record<string, unknown>,
  metadata: { correlationId: randomUUID(), causationId: randomUUID() },
});
const POISONED = 'clients--messaging';

describe('metrics in one process (the embedded profile)', () => {
  const inProcess = inProcessForSuite({ CLIENTELE_HEALTH_PORT: '0' });
  let admin: Api;
  let business: Business;
  const platformOf = (system: RunningSystem) => system.app.get<Platform>(PLATFORM);

  beforeAll(async () => {
    admin = new Api(`http://127.0.0.1:${platformOf(inProcess.system).adminPort}`);
    business = await signUp(inProcess.api);
  });

  it('serves /metrics on the admin port, with the default process metrics, and not on the public port', async () => {
    const metrics = await scrape(admin);
    expect(metrics.has('process_cpu_seconds_total')).toBe(true);
    expect(metrics.has('nodejs_heap_size_used_bytes')).toBe(true);
    expect((await inProcess.api.get('/metrics')).status).toBe(404);
    // The admin port serves health and metrics, nothing of the API.
    expect((await admin.get('/health/live')).status).toBe(200);
    expect((await admin.get('/api/v1/clients')).status).toBe(404);
  });

  it('counts HTTP requests by route template, bus requests by subject, and mails by kind and outcome', async () => {
    const before = await scrape(admin);
    const clients = Array.from({ length: 5 }, () => newClient({ type: 'full_access' }));
    for (const client of clients) expect((await business.admin.post('/api/v1/clients', client)).status).toBe(201);
    const ids = [];
    for (const client of clients.slice(0, 2)) {
      const listed = await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(client.email as string)}`);
      ids.push(listed.body.items[0].id as string);
    }
    for (const id of ids) expect((await business.admin.get(`/api/v1/clients/${id}`)).status).toBe(200);
    // Five invitations go out (the dev mailbox sends them).
    const after = await until('five invitations counted', 60_000, async () => {
      const metrics = await scrape(admin);
      const sent = (m: Map<string, number>) => value(m, 'clientele_mail_sent_total{kind="invitation",outcome="sent"}');
      return sent(metrics) - sent(before) >= 5 ? metrics : undefined;
    });

    const count = (m: Map<string, number>, series: string) => value(m, series);
    const added = 'http_request_duration_seconds_count{route="/api/v1/clients",method="POST",status="201"}';
    expect(count(after, added) - count(before, added)).toBe(5);
    const read = 'http_request_duration_seconds_count{route="/api/v1/clients/:id",method="GET",status="200"}';
    expect(count(after, read) - count(before, read)).toBe(2);
    // The route's template, never the URL with its ids.
    const routes = [...seriesOf(after, 'http_request_duration_seconds_count').keys()].join('\n');
    for (const id of ids) expect(routes).not.toContain(id);
    const addClient = 'clientele_bus_request_duration_seconds_count{subject="clients.cmd.add-client",outcome="ok"}';
    expect(count(after, addClient) - count(before, addClient)).toBe(5);
    expect(count(after, 'clientele_bus_request_duration_seconds_bucket{le="+Inf",subject="clients.cmd.add-client",outcome="ok"}')).toBe(count(after, addClient));
  }, 90_000);

  it('shows every projection and outbox caught up (lag 0) once idle, each run here (lease holder 1)', async () => {
    const metrics = await until('every processor caught up', 60_000, async () => {
      const scraped = await scrape(admin);
      const lags = [...seriesOf(scraped, 'clientele_projection_lag_events').values(), ...seriesOf(scraped, 'clientele_outbox_lag_events').values()];
      return lags.length > 0 && lags.every((lag) => lag === 0) ? scraped : undefined;
    });
    const projections = [...seriesOf(metrics, 'clientele_projection_lag_events').keys()];
    const outboxes = [...seriesOf(metrics, 'clientele_outbox_lag_events').keys()];
    expect(projections).toEqual(expect.arrayContaining(['processor="clients_views"', 'processor="identity_views"', 'processor="scheduling_views"']));
    expect(outboxes.sort()).toEqual(['billing', 'clients', 'identity', 'messaging', 'scheduling'].map((service) => `processor="${service}_outbox"`));
    const leases = seriesOf(metrics, 'clientele_lease_holder');
    expect(leases.get('lease="clients_outbox"')).toBe(1);
    expect([...leases.values()].every((held) => held === 1)).toBe(true);
  }, 90_000);

  it('after a poison event: its consumer has it pending, redelivers it, then the dead letters gauge goes up and pending back to 0', async () => {
    const before = await scrape(admin);
    expect(value(before, `clientele_dead_letters{consumer="${POISONED}"}`)).toBe(0);
    expect(before.has(`clientele_consumer_pending_messages{consumer="${POISONED}"}`)).toBe(true);
    await platformOf(inProcess.system).bus.publish(poisonEvent());
    let pendingSeen = 0;
    const after = await until('the poison in the dead letters', 60_000, async () => {
      const metrics = await scrape(admin);
      pendingSeen = Math.max(pendingSeen, value(metrics, `clientele_consumer_pending_messages{consumer="${POISONED}"}`));
      return value(metrics, `clientele_dead_letters{consumer="${POISONED}"}`) === 1 ? metrics : undefined;
    }, 200);
    expect(pendingSeen).toBeGreaterThanOrEqual(1);
    const redeliveries = `clientele_consumer_redeliveries_total{consumer="${POISONED}"}`;
    expect(value(after, redeliveries) - value(before, redeliveries)).toBe(4); // 5 deliveries
    expect(value(after, `clientele_consumer_pending_messages{consumer="${POISONED}"}`)).toBe(0);
  }, 90_000);

  describe('with CLIENTELE_METRICS_PUBLIC=true (another system in the same test process)', () => {
    const exposed = inProcessForSuite({ CLIENTELE_METRICS_PUBLIC: 'true' });

    it("serves /metrics on the gateway's public port too, with this system's own figures only", async () => {
      const first = await scrape(exposed.api);
      await exposed.api.get('/health/live');
      const metrics = await scrape(exposed.api);
      const live = 'http_request_duration_seconds_count{route="/health/live",method="GET",status="200"}';
      expect(value(metrics, live) - value(first, live)).toBe(1);
      // A registry per system: none of the other system's clients, requests or mails.
      expect(value(metrics, 'http_request_duration_seconds_count{route="/api/v1/clients",method="POST",status="201"}')).toBe(0);
      expect(value(metrics, 'clientele_mail_sent_total{kind="invitation",outcome="sent"}')).toBe(0);
    });
  });
});

describe('metrics of separate processes over NATS', () => {
  const SERVICES = ['gateway', 'identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications'];
  const namespace = newNamespace();
  const root = mkdtempSync(join(tmpdir(), 'clientele-metrics-'));
  const adminOf = new Map<string, Api>();
  let processes: ClienteleProcess[] = [];
  let api: Api;
  let inspector: BusInspector;

  beforeAll(async () => {
    const [port, ...admin] = await freePorts(1 + SERVICES.length);
    const jwtSecret = randomUUID() + randomUUID();
    // A port of its own for each admin server, known before the start: nothing to read from the logs.
    const adminPorts = new Map<string, number>(SERVICES.map((service, i) => [service, admin[i]]));
    processes = SERVICES.map((service) =>
      spawnClientele(
        service,
        {
          ...distributedSettings(namespace),
          JWT_SECRET: jwtSecret,
          CLIENTELE_SERVICES: service,
          DATA_DIR: join(root, service),
          PORT: String(port),
          CLIENTELE_HEALTH_PORT: String(adminPorts.get(service)),
        },
        compiledClientele().app(service),
      ),
    );
    api = new Api(`http://127.0.0.1:${port}`);
    await waitUntilHealthy(api, processes);
    for (const process_ of processes) {
      const admin = new Api(`http://127.0.0.1:${adminPorts.get(process_.name)}`);
      await until(`${process_.name}'s admin port`, 60_000, async () => (await admin.get('/health/live').catch(() => ({ status: 0 }))).status === 200);
      adminOf.set(process_.name, admin);
    }
    inspector = await BusInspector.connect(namespace);
  }, 180_000);

  afterAll(async () => {
    await inspector?.close();
    await stopAll(processes);
    rmSync(root, { recursive: true, force: true });
    await removeNamespace(namespace).catch(() => undefined);
  }, 60_000);

  it("serves /metrics on every process's admin port, and not on the gateway's public port", async () => {
    expect((await api.get('/metrics')).status).toBe(404);
    const business = await signUp(api);
    expect((await business.admin.post('/api/v1/clients', newClient())).status).toBe(201);
    for (const service of SERVICES) expect((await scrape(adminOf.get(service)!)).has('process_cpu_seconds_total')).toBe(true);
    const gateway = await scrape(adminOf.get('gateway')!);
    expect(value(gateway, 'http_request_duration_seconds_count{route="/api/v1/clients",method="POST",status="201"}')).toBe(1);
    expect(value(gateway, 'clientele_bus_request_duration_seconds_count{subject="clients.cmd.add-client",outcome="ok"}')).toBe(1);
    // Each process reports what it runs: the clients process its processors, under leases it holds.
    const clients = await until('the clients processors caught up', 60_000, async () => {
      const metrics = await scrape(adminOf.get('clients')!);
      return value(metrics, 'clientele_lease_holder{lease="clients_views"}') === 1 &&
        metrics.get('clientele_projection_lag_events{processor="clients_views"}') === 0 &&
        metrics.get('clientele_outbox_lag_events{processor="clients_outbox"}') === 0
        ? metrics
        : undefined;
    });
    expect(clients.has('clientele_projection_lag_events{processor="identity_views"}')).toBe(false);
    expect(seriesOf(gateway, 'clientele_projection_lag_events').size).toBe(0);
  }, 60_000);

  it('after a poison event: pending and redeliveries from JetStream, then the dead letter', async () => {
    const clients = adminOf.get('clients')!;
    const before = await scrape(clients);
    expect(before.get(`clientele_consumer_pending_messages{consumer="${POISONED}"}`)).toBe(0);
    await inspector.bus.publish(poisonEvent());
    let pendingSeen = 0;
    const after = await until('the poison in the dead letters', 60_000, async () => {
      const metrics = await scrape(clients);
      pendingSeen = Math.max(pendingSeen, value(metrics, `clientele_consumer_pending_messages{consumer="${POISONED}"}`));
      return value(metrics, `clientele_dead_letters{consumer="${POISONED}"}`) === 1 ? metrics : undefined;
    }, 200);
    expect(pendingSeen).toBeGreaterThanOrEqual(1);
    const redeliveries = `clientele_consumer_redeliveries_total{consumer="${POISONED}"}`;
    expect(value(after, redeliveries) - value(before, redeliveries)).toBe(4);
    await until('nothing pending once dead-lettered', 60_000, async () =>
      value(await scrape(clients), `clientele_consumer_pending_messages{consumer="${POISONED}"}`) === 0 ? true : undefined,
    );
  }, 90_000);
});
