import {
  ClientProxyRequestClient,
  EmbeddedEventBus,
  InProcessBroker,
  InProcessClient,
  InProcessServer,
  RpcErrorFilter,
  type RequestActor,
  type RequestClient,
  type RequestEnvelope,
} from '@clientele/platform/bus';
import { AppError } from '@clientele/platform/core';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore, type EventData, type EventMetadata, type GlobalPosition } from '@clientele/platform/event-store';
import { JsonLogger } from '@clientele/platform/logging';
import type { DynamicModule, INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { from } from 'rxjs';

/** The embedded adapters a service module is built on in a use-case test: all in memory, nothing shared with another test. */
export interface UseCaseAdapters {
  events: SqliteEventStore;
  documents: SqliteDocumentStore;
  keys: SqliteDocumentStore;
  bus: EmbeddedEventBus;
  /** The in-process request transport: the service's own subjects and the stand-ins of other services (`respond`). */
  requests: RequestClient;
  logger: JsonLogger;
}

/** A read model a command reads: given events are in it before the command runs. */
export interface AwaitedReadModel {
  waitFor(position: GlobalPosition): Promise<void>;
}

export interface UseCaseHarnessOptions {
  /** The service's Nest module, registered on the adapters as its host would (`<Service>Module.register`). */
  module: (adapters: UseCaseAdapters) => DynamicModule;
  /** The read models that `given` waits for, taken from the running module. */
  readModels?: (app: INestApplicationContext) => readonly AwaitedReadModel[];
}

/** An event as a test gives it: the id, the metadata and the stream's revision are the store's business. */
export interface GivenEvent {
  type: string;
  data: EventData;
  metadata?: EventMetadata;
}

/** An event a command appended, as the store holds it. */
export interface StoredEvent {
  streamName: string;
  type: string;
  data: EventData;
}

export const quietLogger = (): JsonLogger => new JsonLogger('error', { write: () => undefined });

/**
 * Use-case tests in the manner of emmett's `ApiSpecification` (api.int.spec.ts): one service's
 * module on in-memory stores, the embedded bus and the in-process request transport, without the
 * rest of the system. Given events appended to the real store, when a request on the service's
 * subject (the envelope the gateway sends), then the answer, or the refusal's problem code, and
 * the events the command appended.
 *
 *     const service = await UseCaseHarness.start({ module: (adapters) => BillingModule.register(adapters) });
 *     await service.given('product-p1', [{ type: 'ProductCreated', data: { ... } }]);
 *     await expect(service.when(BillingSubjects.archiveProduct, { actor, data: { productId: 'p1' } })).resolves.toMatchObject({ archived: true });
 *     expect(await service.newEvents()).toMatchObject([{ streamName: 'product-p1', type: 'ProductArchived' }]);
 */
export class UseCaseHarness {
  private before: GlobalPosition | null = null;

  private constructor(
    readonly adapters: UseCaseAdapters,
    private readonly broker: InProcessBroker,
    private readonly app: INestMicroservice,
    private readonly readModels: readonly AwaitedReadModel[],
  ) {}

  static async start(options: UseCaseHarnessOptions): Promise<UseCaseHarness> {
    const broker = new InProcessBroker();
    const adapters: UseCaseAdapters = {
      // A short poll: stopping the module's subscriptions waits for the one in progress.
      events: new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 10 }),
      documents: new SqliteDocumentStore({ filename: ':memory:' }),
      keys: new SqliteDocumentStore({ filename: ':memory:' }),
      bus: new EmbeddedEventBus({ filename: ':memory:' }),
      requests: new ClientProxyRequestClient(new InProcessClient(broker)),
      logger: quietLogger(),
    };
    const app = await NestFactory.createMicroservice(options.module(adapters), { strategy: new InProcessServer(broker), logger: false });
    // What the host puts around every message handler: AppErrors travel as their problem code.
    app.useGlobalFilters(new RpcErrorFilter());
    await app.listen();
    return new UseCaseHarness(adapters, broker, app, options.readModels?.(app) ?? []);
  }

  /**
   * Answers another service's subject, as that service would: a stand-in over the same transport.
   * An AppError it throws reaches the caller as that error.
   */
  respond<Data = unknown>(subject: string, answer: (envelope: RequestEnvelope<Data>) => unknown): void {
    this.broker.register(subject, async (data) =>
      from(
        Promise.resolve()
          .then(() => answer(data as RequestEnvelope<Data>))
          .catch((error: unknown) => {
            throw error instanceof AppError ? error.toPayload() : error;
          }),
      ),
    );
  }

  /** Appends the events to the stream, and waits until the read models have them. */
  async given(streamName: string, events: readonly GivenEvent[]): Promise<void> {
    const { position } = await this.adapters.events.appendToStream(
      streamName,
      events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data, metadata: { occurredAt: new Date().toISOString(), ...event.metadata } })),
      { expectedRevision: 'any' },
    );
    await Promise.all(this.readModels.map((readModel) => readModel.waitFor(position)));
  }

  /** Sends the request on the subject, as the gateway does, and answers what the service answers. Marks where `newEvents` starts. */
  async when<Answer = unknown>(subject: string, envelope: RequestEnvelope<unknown>): Promise<Answer> {
    this.before = await this.adapters.events.headPosition();
    return this.adapters.requests.request<Answer>(subject, { correlationId: randomUUID(), ...envelope });
  }

  /** The events appended since the last `when` began, in the order of the log. */
  async newEvents(): Promise<StoredEvent[]> {
    const events = await this.adapters.events.readAll(this.before === null ? {} : { after: this.before });
    return events.map(({ streamName, type, data }) => ({ streamName, type, data }));
  }

  /** The new events once there are at least `count`: for a command whose work goes on after its answer. */
  async eventually(count: number, timeoutMs = 2000): Promise<StoredEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = await this.newEvents();
      if (events.length >= count || Date.now() > deadline) return events;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    await this.app.close();
    const { events, documents, keys, bus } = this.adapters;
    await bus.close();
    await Promise.all([events.close(), documents.close(), keys.close()]);
  }
}

/** The actor the gateway takes from a token: an admin has every capability, a coach those listed. */
export function staffActor(role: 'admin' | 'coach', id: string, accountId: string, capabilities: string[] = []): RequestActor {
  return { id, role, accountId, capabilities };
}
