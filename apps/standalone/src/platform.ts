import type { EventBus } from '@clientele/platform/bus';
import { ClienteleConfig, ServiceName } from '@clientele/platform/config';
import type { DocumentStore } from '@clientele/platform/document-store';
import type { EventStore } from '@clientele/platform/event-store';
import { HealthCheck, openDocumentStore, openEventBus, openEventStore } from '@clientele/platform/runtime';

export interface ServiceStores {
  events: EventStore;
  documents: DocumentStore;
}

/** The adapters this process opened: one event store and one document store per hosted service, one bus. */
export class Platform {
  private constructor(
    readonly config: ClienteleConfig,
    readonly bus: EventBus,
    readonly stores: Map<ServiceName, ServiceStores>,
  ) {}

  static async open(config: ClienteleConfig): Promise<Platform> {
    const bus = await openEventBus(config, `clientele-${config.services.join('-')}`);
    const stores = new Map<ServiceName, ServiceStores>();
    for (const service of config.services) {
      if (service === 'gateway') continue; // stateless
      stores.set(service, { events: await openEventStore(config, service), documents: await openDocumentStore(config, service) });
    }
    return new Platform(config, bus, stores);
  }

  healthChecks(): Record<string, HealthCheck> {
    const checks: Record<string, HealthCheck> = { bus: () => this.bus.ping() };
    for (const [service, { events, documents }] of this.stores) {
      checks[`${service}.events`] = () => events.ping();
      checks[`${service}.readModels`] = () => documents.ping();
    }
    return checks;
  }

  async close(): Promise<void> {
    await this.bus.close();
    for (const { events, documents } of this.stores.values()) {
      await events.close();
      await documents.close();
    }
  }
}
