import type { ConsumerOptions, DeliveryContext, EventBus, EventConsumer, IntegrationEventHandler, IntegrationEventMap, IntegrationEventOf } from '@clientele/platform/bus';
import type { DocumentStore, IndexSpec } from '@clientele/platform/document-store';

/**
 * A service's reaction to another service's integration events: which events (a durable consumer
 * of the source service's stream) and what it does with each. One per `reactions/<what>-when-<event>/`
 * folder of a service, so that a reader finds every reaction in one place.
 */
export interface Reaction {
  readonly subscription: ConsumerOptions;
  readonly handle: IntegrationEventHandler;
}

/**
 * Reactions to one service's integration events, typed by its contracts' event map:
 *
 *     const onClients = reactionsTo<ClientsIntegrationEvents>();
 *     onClients({ durableName, sourceService: 'clients', subjects: [ClientsEvents.deleted] }, async (event) => event.data.clientId);
 *
 * The subjects listed are the only ones the handler is given (the bus filters on them), and the
 * publisher builds each one's data from the same map, so this is the one place that trusts the
 * wire's JSON to be what the map says.
 */
export function reactionsTo<M extends IntegrationEventMap<M>>() {
  return <S extends keyof M & string>(
    subscription: Omit<ConsumerOptions, 'subjects'> & { subjects: readonly S[] },
    handle: (event: IntegrationEventOf<M, S>, context: DeliveryContext) => Promise<void>,
  ): Reaction => ({ subscription, handle: handle as unknown as IntegrationEventHandler });
}

/** What a read-model collection needs declared before anything reads or writes it. */
export interface CollectionIndexes {
  collection: string;
  indexes?: readonly IndexSpec[];
  /** Fields of a substring-search index (`DocumentCollection.ensureTextIndex`). */
  text?: readonly string[];
}

/** Anything started and stopped with the service: processor runners, outbox relays. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceParts {
  documents: DocumentStore;
  bus: EventBus;
  indexes?: readonly CollectionIndexes[];
  /** One-off work once the indexes exist and before the runners start (an upgrade that resets their checkpoints, say). */
  beforeRunnersStart?: () => Promise<void>;
  runners?: readonly Startable[];
  /** One-off work once the runners run and before the reactions consume (an upgrade step, say). */
  afterRunnersStart?: () => Promise<void>;
  reactions?: readonly Reaction[];
}

/**
 * Starts and stops a service's parts in one order, once: indexes, then the runners that keep its
 * read models and relay its events, then its reactions to other services' events (which may read
 * those read models). Nest calls a module's bootstrap hook once per context of the process (the
 * HTTP app and the microservice share modules), so starting twice must be a no-op.
 */
export class ServiceLifecycle {
  private started = false;
  private consumers: EventConsumer[] = [];
  private stopping: Promise<void> | null = null;

  constructor(private readonly parts: ServiceParts) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { documents, bus } = this.parts;
    for (const { collection, indexes, text } of this.parts.indexes ?? []) {
      if (indexes?.length) await documents.collection(collection).ensureIndexes(indexes);
      if (text?.length) await documents.collection(collection).ensureTextIndex(text);
    }
    await this.parts.beforeRunnersStart?.();
    await Promise.all((this.parts.runners ?? []).map((runner) => runner.start()));
    await this.parts.afterRunnersStart?.();
    for (const reaction of this.parts.reactions ?? []) {
      this.consumers.push(await bus.consume(reaction.subscription, reaction.handle));
    }
  }

  /**
   * Nest calls these on every provider that has them: a module provides its lifecycle, and needs
   * no hooks of its own.
   */
  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /** Stops once: the host stops every service before it closes the stores, then Nest calls each service's hook. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
      await Promise.all((this.parts.runners ?? []).map((runner) => runner.stop()));
    })();
    return this.stopping;
  }
}
