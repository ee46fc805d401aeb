import { ClientProxyRequestClient, EventBus, RequestClient, withConsumerDefaults } from '@clientele/platform/bus';
import { loadJwtSecret } from '@clientele/platform/auth';
import { ClienteleConfig, ServiceName } from '@clientele/platform/config';
import { Leases, NatsKvLeases } from '@clientele/platform/coordination';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore } from '@clientele/platform/event-store';
import type { JsonLogger } from '@clientele/platform/logging';
import { hostname } from 'node:os';
import { HealthCheck, RequestTransport, openDocumentStore, openEventBus, openEventStore, requestTransport } from '@clientele/platform/runtime';

export interface ServiceStores {
  events: EventStore;
  documents: DocumentStore;
}

/** Every service with a module (the gateway is asked for nothing: it is the one asking). */
export const IMPLEMENTED_SERVICES: readonly ServiceName[] = ['identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications'];

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
  ) {}

  static async open(config: ClienteleConfig, logger: JsonLogger): Promise<Platform> {
    // Consumers that choose no ack wait of their own get the deployment's (CLIENTELE_BUS_ACK_WAIT_MS).
    const bus = withConsumerDefaults(await openEventBus(config, `clientele-${config.services.join('-')}`), { ackWaitMs: config.busAckWaitMs });
    const transport = requestTransport(config);
    const proxy = transport.client();
    await proxy.connect();
    const requests = new ClientProxyRequestClient(proxy, config.requestTimeoutMs);
    const stores = new Map<ServiceName, ServiceStores>();
    for (const service of config.services) {
      if (service === 'gateway') continue; // stateless
      stores.set(service, { events: await openEventStore(config, service), documents: await openDocumentStore(config, service) });
    }
    const jwtSecret = loadJwtSecret(config);
    // Leases only where replicas can exist (services over NATS); one process needs none.
    const leases =
      config.bus === 'nats' && stores.size > 0
        ? await NatsKvLeases.connect({
            servers: config.natsServers,
            namespace: config.natsNamespace,
            holderName: `${config.services.join('-')}@${hostname()}:${process.pid}`,
            timings: { ttlMs: config.leaseTtlMs },
            onEvent: ({ lease, what, detail }) => logger.log(`lease ${lease} ${what}${detail ? ` (${detail})` : ''}`, 'leases'),
          })
        : undefined;
    return new Platform(config, logger, bus, transport, requests, async () => void (await proxy.close()), stores, jwtSecret, leases);
  }

  hosts(service: ServiceName): boolean {
    return this.config.services.includes(service);
  }

  /** This process's own adapters, and every implemented service asked over the bus. */
  healthChecks(): Record<string, HealthCheck> {
    const checks = this.readinessChecks();
    for (const service of IMPLEMENTED_SERVICES) {
      checks[service] = async () => void (await this.requests.request(`${service}.query.health`, {}, { timeoutMs: 1500 }));
    }
    return checks;
  }

  /**
   * Readiness of this process's own part: its stores and the bus. A service replica is ready when
   * these answer; the gateway also needs the services (`healthChecks`).
   */
  readinessChecks(): Record<string, HealthCheck> {
    const checks: Record<string, HealthCheck> = { bus: () => this.bus.ping() };
    for (const [service, { events, documents }] of this.stores) {
      checks[`${service}.events`] = () => events.ping();
      checks[`${service}.readModels`] = () => documents.ping();
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
    for (const { events, documents } of this.stores.values()) {
      await events.close();
      await documents.close();
    }
    for (const server of this.attached.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
