import { ClientProxyRequestClient, ConsumerStatistics, EventBus, RequestClient, withConsumerDefaults } from '@clientele/platform/bus';
import { loadJwtSecret } from '@clientele/platform/auth';
import { ClienteleConfig, ServiceName } from '@clientele/platform/config';
import { ProcessorRunner, ServiceHealth, WorkHealth, withTrackedConsumers } from '@clientele/platform/application';
import { Leases, NatsKvLeases } from '@clientele/platform/coordination';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore } from '@clientele/platform/event-store';
import type { JsonLogger } from '@clientele/platform/logging';
import { LAG_COUNT_LIMIT, ProcessMetrics } from '@clientele/platform/metrics';
import { hostname } from 'node:os';
import { moveKeysApart } from '@clientele/platform/privacy';
import { HealthCheck, RequestTransport, openDocumentStore, openEventBus, openEventStore, openKeyStore, requestTransport } from '@clientele/platform/runtime';

export interface ServiceStores {
  events: EventStore;
  documents: DocumentStore;
  /**
   * The subjects' keys, apart from the read models so that shredding one really destroys it
   * (`openKeyStore`). Only services that seal personal data have one: not notifications.
   */
  keys?: DocumentStore;
}

/** Services that seal personal data with their subjects' keys, so have a key store. */
export const SERVICES_WITH_KEYS: readonly ServiceName[] = ['identity', 'clients', 'billing', 'messaging', 'scheduling'];

/** Every service with a module (the gateway is asked for nothing: it is the one asking). */
export const IMPLEMENTED_SERVICES: readonly ServiceName[] = ['identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications'];

/** Both event buses count their consumers (pending messages, redeliveries, dead letters) for metrics. */
function hasConsumerStatistics(bus: EventBus): bus is EventBus & { consumerStatistics(): Promise<ConsumerStatistics[]> } {
  return typeof (bus as { consumerStatistics?: unknown }).consumerStatistics === 'function';
}

/**
 * What this process opened: the bus, the request transport, one event store and one document
 * store per hosted service (never shared between services), and the token secret.
 */
export class Platform {
  private constructor(
    readonly config: ClienteleConfig,
    readonly logger: JsonLogger,
    readonly bus: EventBus,
    readonly transport: RequestTransport,
    readonly requests: RequestClient,
    private readonly closeRequests: () => Promise<void>,
    readonly stores: Map<ServiceName, ServiceStores>,
    readonly jwtSecret: string,
    /** Over NATS, replicas of a service may run at once: one of them runs each processor. */
    readonly leases: Leases | undefined,
    /** This host's Prometheus metrics (`/metrics`): a registry of its own, not the process-global one. */
    readonly metrics: ProcessMetrics,
  ) {
    metrics.collectProcessors(async () => {
      const runners = [...stores.values()].flatMap(({ events }) => ProcessorRunner.runningOver(events));
      return Promise.all(
        runners.map(async (runner) => ({
          processor: runner.name,
          kind: runner.relaysOutbox ? ('outbox' as const) : ('projection' as const),
          lagEvents: await runner.backlog(LAG_COUNT_LIMIT),
          leaseHolder: runner.isActive,
        })),
      );
    });
  }

  static async open(config: ClienteleConfig, logger: JsonLogger): Promise<Platform> {
    // Consumers that choose no ack wait of their own get the deployment's (CLIENTELE_BUS_ACK_WAIT_MS).
    // Every consumer's failures in a row are counted for /health (see WorkHealth).
    const metrics = new ProcessMetrics();
    const openedBus = await openEventBus(config, `clientele-${config.services.join('-')}`);
    const bus = withTrackedConsumers(withConsumerDefaults(openedBus, { ackWaitMs: config.busAckWaitMs }));
    if (hasConsumerStatistics(openedBus)) {
      metrics.collectConsumers(async () =>
        (await openedBus.consumerStatistics()).map(({ durableName, ...figures }) => ({ consumer: durableName, ...figures })),
      );
    }
    const transport = requestTransport(config);
    const proxy = transport.client();
    await proxy.connect();
    const requests = new ClientProxyRequestClient(proxy, config.requestTimeoutMs, (subject, outcome, seconds) =>
      metrics.observeBusRequest(subject, outcome, seconds),
    );
    const stores = new Map<ServiceName, ServiceStores>();
    for (const service of config.services) {
      if (service === 'gateway') continue; // stateless
      const documents = await openDocumentStore(config, service);
      const keys = SERVICES_WITH_KEYS.includes(service) ? await openKeyStore(config, service) : undefined;
      // Keys an earlier version kept in the read models move to the key store first.
      if (keys) await moveKeysApart(documents, keys);
      stores.set(service, { events: await openEventStore(config, service), documents, keys });
    }
    const jwtSecret = loadJwtSecret(config);
    // Leases only where replicas can exist (services over NATS); one process needs none.
    const leases =
      config.bus === 'nats' && stores.size > 0
        ? await NatsKvLeases.connect({
            servers: config.natsServers,
            auth: config.natsAuth,
            namespace: config.natsNamespace,
            replicas: config.busReplicas,
            holderName: `${config.services.join('-')}@${hostname()}:${process.pid}`,
            timings: { ttlMs: config.leaseTtlMs },
            onEvent: ({ lease, what, detail }) => logger.log(`lease ${lease} ${what}${detail ? ` (${detail})` : ''}`, 'leases'),
          })
        : undefined;
    return new Platform(config, logger, bus, transport, requests, async () => void (await proxy.close()), stores, jwtSecret, leases, metrics);
  }

  /** A hosted service's stores, its key store included (a service of SERVICES_WITH_KEYS). */
  keyedStores(service: ServiceName): Required<ServiceStores> {
    const stores = this.stores.get(service);
    if (!stores?.keys) throw new Error(`${service} is not hosted here, or keeps no keys`);
    return { ...stores, keys: stores.keys };
  }

  hosts(service: ServiceName): boolean {
    return this.config.services.includes(service);
  }

  /**
   * This process's own adapters, and every implemented service asked over the bus. `/health` also
   * counts a service down while a processor or consumer of it keeps failing (`processing`, the
   * default); readiness does not: a broken projection fails some requests, and taking every gateway
   * out of the load balancer for it would fail all of them.
   */
  healthChecks(options: { processing?: boolean } = {}): Record<string, HealthCheck> {
    const processing = options.processing ?? true;
    const checks = this.readinessChecks();
    for (const service of IMPLEMENTED_SERVICES) {
      checks[service] = async () => {
        const answer = await this.requests.request<ServiceHealth>(`${service}.query.health`, {}, { timeoutMs: 1500 });
        if (processing && answer?.status === 'degraded') throw new Error(answer.failing.join('; '));
      };
    }
    return checks;
  }

  /**
   * `/health` of a process without the gateway: its readiness checks, and its own processors and
   * consumers (`processing`), down while one of them keeps failing.
   */
  processHealthChecks(): Record<string, HealthCheck> {
    const checks = this.readinessChecks();
    checks.processing = async () => {
      const failing = WorkHealth.process.failing();
      if (failing.length > 0) throw new Error(failing.join('; '));
    };
    return checks;
  }

  /**
   * Readiness of this process's own part: its stores and the bus. A service replica is ready when
   * these answer; the gateway also needs the services (`healthChecks`).
   */
  readinessChecks(): Record<string, HealthCheck> {
    const checks: Record<string, HealthCheck> = { bus: () => this.bus.ping() };
    for (const [service, { events, documents, keys }] of this.stores) {
      checks[`${service}.events`] = () => events.ping();
      checks[`${service}.readModels`] = () => documents.ping();
      if (keys) checks[`${service}.keys`] = () => keys.ping();
    }
    return checks;
  }

  private drainingSince: number | null = null;

  /** Whether this process is shutting down: readiness answers 503 so load balancers move on. */
  get draining(): boolean {
    return this.drainingSince !== null;
  }

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }

  /** The port of this process's admin server (health and metrics, CLIENTELE_HEALTH_PORT), once it listens. */
  adminPort: number | undefined;

  private readonly attached: Array<{ close(callback: () => void): unknown }> = [];

  /** A server that lives as long as the platform (the health server), closed last. */
  attach(server: { close(callback: () => void): unknown }): void {
    this.attached.push(server);
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Hand the leases over first, so another replica takes over at once rather than after the TTL.
    await this.leases?.close();
    await this.closeRequests();
    await this.bus.close();
    for (const { events, documents, keys } of this.stores.values()) {
      await events.close();
      await documents.close();
      await keys?.close();
    }
    for (const server of this.attached.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
