import {
  AnyClientProxy,
  EmbeddedEventBus,
  EventBus,
  InProcessBroker,
  InProcessClient,
  InProcessServer,
  JetStreamEventBus,
  ClienteleNatsClient,
  DrainingNatsServer,
} from '@clientele/platform/bus';
import { privateDirectory, type ClienteleConfig, type ServiceName } from '@clientele/platform/config';
import { DocumentStore, PostgresDocumentStore, SqliteDocumentStore } from '@clientele/platform/document-store';
import { EventStore, PostgresEventStore, SqliteEventStore } from '@clientele/platform/event-store';
import { CustomStrategy, NatsOptions } from '@nestjs/microservices';
import { join } from 'node:path';

/**
 * Opens the adapters the configuration asks for. This is the only place that knows which adapter
 * goes with which setting: services receive ports, never adapters. The EventStoreDB and MongoDB
 * clients are loaded only when chosen, so the embedded profile never loads gRPC or the Mongo driver.
 */
export async function openEventStore(config: ClienteleConfig, service: ServiceName): Promise<EventStore> {
  if (config.eventStore === 'eventstoredb') {
    const { EsdbEventStore } = await import('@clientele/platform/event-store/eventstoredb');
    // Reads $all once: a URL without the right to read it stops the service here, with a sentence saying why.
    return EsdbEventStore.open({ connectionString: config.eventStoreUrl! });
  }
  if (config.eventStore === 'postgres') return PostgresEventStore.open(postgresStoreOptions(config, service, 'events'));
  return new SqliteEventStore({ filename: join(serviceDataDir(config, service), 'events.sqlite') });
}

export async function openDocumentStore(config: ClienteleConfig, service: ServiceName): Promise<DocumentStore> {
  if (config.documentStore === 'mongodb') {
    const { MongoDocumentStore } = await import('@clientele/platform/document-store/mongodb');
    return MongoDocumentStore.connect({ url: config.mongoUrl!, database: `${config.mongoDatabase}_${service}` });
  }
  if (config.documentStore === 'postgres') return PostgresDocumentStore.open(postgresStoreOptions(config, service, 'read-models'));
  return new SqliteDocumentStore({ filename: join(serviceDataDir(config, service), 'read-models.sqlite') });
}

/**
 * The service's key store (the subjects' keys that open the personal data sealed in its events),
 * apart from its read models: a file of its own, `keys.sqlite`, which the SQLite adapter writes
 * with secure_delete and a truncated WAL after every shredding, so a destroyed key is gone from
 * the disk; with MongoDB, a database of its own, `<CLIENTELE_MONGO_DATABASE>_<service>_keys`
 * (docs/ERASURE.md says what an operator must do there); with PostgreSQL, a schema of its own,
 * `<service>_keys`, apart from the read models' `<service>_rm` (an operator can give it its own role
 * and run `VACUUM (FULL)` on it after shredding, docs/ERASURE.md). Keys an earlier version kept in
 * the read models move here when `moveKeysApart` runs (the host and the ops tool do it on open).
 */
export async function openKeyStore(config: ClienteleConfig, service: ServiceName): Promise<DocumentStore> {
  if (config.documentStore === 'mongodb') {
    const { MongoDocumentStore } = await import('@clientele/platform/document-store/mongodb');
    return MongoDocumentStore.connect({ url: config.mongoUrl!, database: `${config.mongoDatabase}_${service}_keys` });
  }
  if (config.documentStore === 'postgres') return PostgresDocumentStore.open(postgresStoreOptions(config, service, 'keys'));
  return new SqliteDocumentStore({ filename: join(serviceDataDir(config, service), 'keys.sqlite') });
}

/**
 * PostgreSQL: one database (POSTGRES_URL), and a schema per service and store, so that no service
 * reads another's tables and a service's keys can be destroyed apart from its read models:
 * `<service>` for its events, `<service>_rm` for its read models, `<service>_keys` for its keys.
 * The application name (`clientele-<service>-<store>`) tells an operator whose connections are whose.
 */
export function postgresStoreOptions(
  config: ClienteleConfig,
  service: ServiceName | 'ops',
  store: 'events' | 'read-models' | 'keys',
): { connectionString: string; schema: string; poolSize: number; applicationName: string } {
  const schema = { events: service, 'read-models': `${service}_rm`, keys: `${service}_keys` }[store];
  return { connectionString: config.postgresUrl!, schema, poolSize: config.postgresPoolSize, applicationName: `clientele-${service}-${store}` };
}

export async function openEventBus(config: ClienteleConfig, connectionName: string): Promise<EventBus> {
  if (config.bus === 'nats') {
    return JetStreamEventBus.connect({ servers: config.natsServers, auth: config.natsAuth, connectionName, namespace: config.natsNamespace, replicas: config.busReplicas });
  }
  privateDirectory(config.dataDir);
  return new EmbeddedEventBus({ filename: join(config.dataDir, 'bus.sqlite') });
}

export interface RequestTransport {
  /** Options for `app.connectMicroservice(...)` of a service that answers requests. */
  serverOptions(queue: string): CustomStrategy | NatsOptions;
  /** A Nest ClientProxy for callers. */
  client(): AnyClientProxy;
}

/** One per process: in-process servers and clients must share the broker. */
export function requestTransport(config: ClienteleConfig): RequestTransport {
  if (config.bus === 'nats') {
    const namespace = config.natsNamespace;
    return {
      // A queue group per service: replicas share the requests instead of all answering each.
      // On shutdown the subscriptions drain (the queue group sends new requests to the other
      // replicas) and every request already taken is answered before the connection closes; no
      // longer than a caller would wait for it.
      serverOptions: (queue) => ({
        strategy: new DrainingNatsServer({ servers: config.natsServers, ...config.natsAuth, queue }, { namespace, drainTimeoutMs: config.requestTimeoutMs }),
      }),
      client: () => new ClienteleNatsClient({ servers: config.natsServers, ...config.natsAuth }, namespace),
    };
  }
  const broker = new InProcessBroker();
  return {
    serverOptions: () => ({ strategy: new InProcessServer(broker) }),
    client: () => new InProcessClient(broker),
  };
}

/** The service's folder under DATA_DIR, both owner-only (0700). */
export function serviceDataDir(config: ClienteleConfig, service: ServiceName): string {
  privateDirectory(config.dataDir);
  return privateDirectory(join(config.dataDir, service));
}
