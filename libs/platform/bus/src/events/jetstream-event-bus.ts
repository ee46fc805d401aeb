import {
  AckPolicy,
  ConsumerConfig,
  ConsumerMessages,
  DeliverPolicy,
  JSONCodec,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  KV,
  NatsConnection,
  RetentionPolicy,
  StorageType,
  connect,
  nanos,
} from 'nats';
import {
  ConsumerOptions,
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_RETRY_DELAYS_MS,
  DeadLetter,
  DeadLetterStore,
  EventBus,
  EventConsumer,
  IntegrationEvent,
  IntegrationEventHandler,
  deadLetterId,
  describeError,
  retryDelay,
} from '../bus.port';
import { handleInCorrelation } from './correlation';
import { eventStreamName, eventStreamSubjects, parseIntegrationEventSubject, subjectMatches } from '../subjects';

export interface JetStreamEventBusOptions {
  servers: string | string[];
  /** Shown in the server's connection list. */
  connectionName?: string;
  /** JetStream duplicate window: a re-publish of an event id within it is dropped by the server. */
  duplicateWindowMs?: number;
  /** Stream replicas: 1 on a single server, 3 on the production cluster. */
  replicas?: number;
}

const codec = JSONCodec<IntegrationEvent>();
const DEAD_LETTER_BUCKET = 'dead-letters';

/**
 * Integration events on NATS JetStream: one stream per service (`EVENTS_<SERVICE>`, subjects
 * `<service>.*.*.*`), `Nats-Msg-Id` = event id so the server drops re-publishes, durable pull
 * consumers with explicit ack. The delivery bound is enforced here rather than with the server's
 * `max_deliver`, so that the last failure always leaves a dead-letter record (in a KV bucket)
 * before the message is terminated.
 */
export class JetStreamEventBus implements EventBus {
  private readonly knownStreams = new Set<string>();
  private readonly consumers = new Set<JetStreamConsumer>();
  readonly deadLetters: DeadLetterStore;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly deadLetterBucket: KV,
    private readonly options: JetStreamEventBusOptions,
  ) {
    this.deadLetters = new KvDeadLetters(deadLetterBucket);
  }

  static async connect(options: JetStreamEventBusOptions): Promise<JetStreamEventBus> {
    const nc = await connect({
      servers: options.servers,
      name: options.connectionName ?? 'clientele-events',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    const bucket = await js.views.kv(DEAD_LETTER_BUCKET, { history: 1, replicas: options.replicas ?? 1 });
    return new JetStreamEventBus(nc, js, jsm, bucket, options);
  }

  async publish(event: IntegrationEvent): Promise<void> {
    const { service } = parseIntegrationEventSubject(event.subject);
    await this.ensureStream(service);
    // Resolves on the server's PubAck: the event is stored (or was already, for a duplicate id).
    await this.js.publish(event.subject, codec.encode(event), { msgID: event.id });
  }

  async consume(options: ConsumerOptions, handler: IntegrationEventHandler): Promise<EventConsumer> {
    const stream = await this.ensureStream(options.sourceService);
    const singleFilter = options.subjects?.length === 1 ? options.subjects[0] : undefined;
    const config: Partial<ConsumerConfig> = {
      durable_name: options.durableName,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
      deliver_policy: DeliverPolicy.All,
      max_deliver: -1,
      max_ack_pending: 256,
      ...(singleFilter ? { filter_subject: singleFilter } : {}),
    };
    try {
      await this.jsm.consumers.info(stream, options.durableName);
      await this.jsm.consumers.update(stream, options.durableName, {
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
        max_ack_pending: config.max_ack_pending,
        ...(singleFilter ? { filter_subject: singleFilter } : {}),
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.jsm.consumers.add(stream, config);
    }
    const pull = await this.js.consumers.get(stream, options.durableName);
    const messages = await pull.consume({ max_messages: 64 });
    const consumer = new JetStreamConsumer(messages, options, handler, this.deadLetterBucket, () => this.consumers.delete(consumer));
    this.consumers.add(consumer);
    consumer.start();
    return consumer;
  }

  async ping(): Promise<void> {
    await this.nc.flush();
    await this.jsm.getAccountInfo();
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    if (!this.nc.isClosed()) await this.nc.drain();
  }

  /** For tests and ops: removes a service's stream and its consumers. */
  async deleteStream(service: string): Promise<void> {
    const name = eventStreamName(service);
    this.knownStreams.delete(name);
    try {
      await this.jsm.streams.delete(name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  private async ensureStream(service: string): Promise<string> {
    const name = eventStreamName(service);
    if (this.knownStreams.has(name)) return name;
    try {
      await this.jsm.streams.info(name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await this.jsm.streams.add({
          name,
          subjects: [eventStreamSubjects(service)],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          duplicate_window: nanos(this.options.duplicateWindowMs ?? 2 * 60 * 1000),
          num_replicas: this.options.replicas ?? 1,
        });
      } catch (addError) {
        // Another process created it between our info and add.
        if (!/already in use|already exists/i.test(String(addError))) throw addError;
      }
    }
    this.knownStreams.add(name);
    return name;
  }
}

class JetStreamConsumer implements EventConsumer {
  private loop: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly messages: ConsumerMessages,
    private readonly options: ConsumerOptions,
    private readonly handler: IntegrationEventHandler,
    private readonly deadLetterBucket: KV,
    private readonly onStopped: () => void,
  ) {}

  start(): void {
    this.loop = (async () => {
      for await (const message of this.messages) {
        if (this.stopped) {
          message.nak();
          continue;
        }
        await this.handle(message);
      }
    })();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.messages.close();
    await this.loop.catch(() => undefined);
    this.onStopped();
  }

  private async handle(message: JsMsg): Promise<void> {
    if (this.options.subjects && !this.options.subjects.some((pattern) => subjectMatches(pattern, message.subject))) {
      message.ack();
      return;
    }
    const maxDeliveries = this.options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    const deliveryCount = message.info.redeliveryCount;
    let event: IntegrationEvent;
    try {
      event = codec.decode(message.data);
    } catch (error) {
      message.term(`undecodable: ${describeError(error)}`);
      return;
    }

    // Tell the server we are still on it, so a slow handler is not redelivered meanwhile.
    const ackWaitMs = this.options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    const heartbeat = setInterval(() => message.working(), Math.max(100, Math.floor(ackWaitMs / 3)));
    try {
      if (deliveryCount > maxDeliveries) {
        throw new Error(`still failing after ${maxDeliveries} deliveries (the process stopped while handling it)`);
      }
      await handleInCorrelation(event, () => this.handler(event, { deliveryCount }));
      clearInterval(heartbeat);
      await message.ackAck();
    } catch (error) {
      clearInterval(heartbeat);
      if (deliveryCount >= maxDeliveries) {
        const letter: DeadLetter = {
          id: deadLetterId(this.options.durableName, event.id),
          durableName: this.options.durableName,
          event,
          error: describeError(error),
          deliveries: deliveryCount,
          deadAt: new Date().toISOString(),
        };
        // Record first, then terminate: a crash in between only means one more delivery.
        await this.deadLetterBucket.put(letter.id, JSON.stringify(letter));
        message.term(letter.error);
      } else {
        message.nak(retryDelay(this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, deliveryCount));
      }
    }
  }
}

class KvDeadLetters implements DeadLetterStore {
  constructor(private readonly bucket: KV) {}

  async list(durableName?: string): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    const keys = await this.bucket.keys(durableName ? `${durableName}.>` : undefined);
    for await (const key of keys) {
      const entry = await this.bucket.get(key);
      if (entry && entry.operation === 'PUT' && entry.value.length > 0) letters.push(entry.json<DeadLetter>());
    }
    return letters.sort((a, b) => a.deadAt.localeCompare(b.deadAt));
  }

  async discard(id: string): Promise<void> {
    await this.bucket.purge(id);
  }
}

function isNotFound(error: unknown): boolean {
  const text = String((error as Error)?.message ?? error);
  return /not found/i.test(text) || (error as { code?: string })?.code === '404';
}
