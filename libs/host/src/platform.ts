import { ClientProxyRequestClient, EventBus, RequestClient } from '@clientele/platform/bus';
import { loadJwtSecret } from '@clientele/platform/auth';
import { ClienteleConfig, ServiceName } from '@clientele/platform/config';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore } from '@clientele/platform/event-store';
import type { JsonLogger } from '@clientele/platform/logging';
import { HealthCheck, RequestTransport, openDocumentStore, openEventBus, openEventStore, requestTransport } from '@clientele/platform/runtime';

export interface ServiceStores {
  events: EventStore;
  documents: DocumentStore;
}

/** Every service with a module (the gateway is asked for nothing: it is the one asking). */
export const IMPLEMENTED_SERVICES: readonly ServiceName[] = ['identity', 'clients', 'billing', 'messaging', 'notifications'];

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
  ) {}

  static async open(config: ClienteleConfig, logger: JsonLogger): Promise<Platform> {
    const bus = await openEventBus(config, `clientele-${config.services.join('-')}`);
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
    return new Platform(config, logger, bus, transport, requests, async () => void (await proxy.close()), stores, jwtSecret);
  }

  hosts(service: ServiceName): boolean {
    return this.config.services.includes(service);
  }

  /** This process's own adapters, and every implemented service asked over the bus. */
  healthChecks(): Record<string, HealthCheck> {
    const checks: Record<string, HealthCheck> = { bus: () => this.bus.ping() };
    for (const [service, { events, documents }] of this.stores) {
      checks[`${service}.events`] = () => events.ping();
      checks[`${service}.readModels`] = () => documents.ping();
    }
    for (const service of IMPLEMENTED_SERVICES) {
      checks[service] = async () => void (await this.requests.request(`${service}.query.health`, {}, { timeoutMs: 1500 }));
    }
    return checks;
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeRequests();
    await this.bus.close();
    for (const { events, documents } of this.stores.values()) {
      await events.close();
      await documents.close();
    }
  }
}
