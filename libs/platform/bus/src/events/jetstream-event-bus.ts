import {
  AckPolicy,
  ConsumerConfig,
  ConsumerInfo,
  ConsumerMessages,
  DeliverPolicy,
  Events,
  JSONCodec,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  KV,
  KvEntry,
  NatsConnection,
  QueuedIterator,
  RetentionPolicy,
  StorageType,
  StringCodec,
  connect,
  nanos,
} from 'nats';
import { randomUUID } from 'node:crypto';
import {
  CONSUMER_STOP_GRACE_MS,
  ConsumerOptions,
  DEFAULT_ACK_WAIT_MS,
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
import type { ConsumerStatistics } from './embedded-event-bus';
import { DeliveryVerdict, attemptDelivery } from './delivery-verdict';
import { ensureStreamReplicas, retryJetStreamSetup } from './stream-replicas';
import { kvEntries } from './kv-keys';
import { eventStreamName, eventStreamSubjects, parseIntegrationEventSubject, subjectMatches } from '../subjects';

export interface JetStreamEventBusOptions {
  servers: string | string[];
  /** What the servers ask a client to prove (user and password, or a token): none when they ask nothing. */
  auth?: { user: string; pass: string } | { token: string };
  /** Shown in the server's connection list. */
  connectionName?: string;
  /** JetStream duplicate window: a re-publish of an event id within it is dropped by the server. */
  duplicateWindowMs?: number;
  /** Stream replicas: 1 on a single server, 3 on the production cluster. */
  replicas?: number;
  /** Told about failures around a message (not the handler's own): the message is retried. */
  onConsumerError?: (error: unknown, durableName: string) => void;
  /**
   * Prefixes every subject, stream and bucket, so several systems (or test runs) can share one
   * NATS server. Events keep their plain subject inside the payload.
   */
  namespace?: string;
}

const codec = JSONCodec<IntegrationEvent>();
const text = StringCodec();

/**
 * How long a consumer remembers how it settled a message, to say it again after a reconnect: a
 * NATS server killed and restarted can come back with an older consumer state than it had
 * acknowledged (it writes that state to disk a little later), and would otherwise hold the
 * message as unacknowledged, and every message behind it, for a whole ack wait.
 */
const SETTLED_MEMORY_MS = 60_000;
const SETTLED_MEMORY_MAX = 1000;

/** A retried dead letter waiting in the redeliveries bucket (key: the letter's id) for its consumer. */
interface Redelivery {
  letter: DeadLetter;
  /** Deliveries of this retry so far. */
  deliveries: number;
  /** The consumer instance handling it: other replicas leave it alone. */
  claimedBy?: string;
}

/** Names on the server, with the namespace applied. */
class ServerNames {
  constructor(private readonly namespace?: string) {}

  subject(subject: string): string {
    return this.namespace ? `${this.namespace}.${subject}` : subject;
  }

  stream(service: string): string {
    const name = eventStreamName(service);
    return this.namespace ? `${this.namespace.toUpperCase().replace(/-/g, '_')}_${name}` : name;
  }

  deadLetterBucket(): string {
    return this.namespace ? `${this.namespace}-dead-letters` : 'dead-letters';
  }

  redeliveryBucket(): string {
    return this.namespace ? `${this.namespace}-redeliveries` : 'redeliveries';
  }
}

/**
 * Integration events on NATS JetStream: one stream per service (`EVENTS_<SERVICE>`, subjects
 * `<service>.*.*.*`), `Nats-Msg-Id` = event id so the server drops re-publishes, durable pull
 * consumers with explicit ack. The delivery bound is enforced here rather than with the server's
 * `max_deliver`, so that the last failure always leaves a dead-letter record (in a KV bucket)
 * before the message is terminated. After a reconnect every consumer acknowledges its recent
 * messages again (see SETTLED_MEMORY_MS): a server restarted after a SIGKILL may have forgotten them.
 */
export class JetStreamEventBus implements EventBus {
  private readonly knownStreams = new Set<string>();
  private readonly consumers = new Set<JetStreamConsumer>();
  /** Deliveries after the first, by durable consumer, since this bus connected (metrics). */
  private readonly redeliveries = new Map<string, number>();
  readonly deadLetters: DeadLetterStore;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly deadLetterBucket: KV,
    private readonly redeliveryBucket: KV,
    private readonly options: JetStreamEventBusOptions,
    private readonly names: ServerNames,
  ) {
    this.deadLetters = new KvDeadLetters(jsm, names.deadLetterBucket(), deadLetterBucket, redeliveryBucket);
    void this.followReconnects();
  }

  /** After a reconnect, every consumer says again how it settled its recent messages (see SETTLED_MEMORY_MS). */
  private async followReconnects(): Promise<void> {
    try {
      for await (const status of this.nc.status()) {
        if (status.type !== Events.Reconnect) continue;
        for (const consumer of this.consumers) {
          consumer.resettle().catch((error) => this.options.onConsumerError?.(error, consumer.durableName));
        }
      }
    } catch {
      // the connection closed
    }
  }

  static async connect(options: JetStreamEventBusOptions): Promise<JetStreamEventBus> {
    const nc = await connect({
      servers: options.servers,
      ...options.auth,
      name: options.connectionName ?? 'clientele-events',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    const names = new ServerNames(options.namespace);
    const replicas = options.replicas ?? 1;
    try {
      const bucket = await retryJetStreamSetup(() => js.views.kv(names.deadLetterBucket(), { history: 1, replicas }));
      const redeliveries = await retryJetStreamSetup(() => js.views.kv(names.redeliveryBucket(), { history: 1, replicas }));
      await retryJetStreamSetup(() => ensureStreamReplicas(jsm, `KV_${names.deadLetterBucket()}`, replicas));
      await retryJetStreamSetup(() => ensureStreamReplicas(jsm, `KV_${names.redeliveryBucket()}`, replicas));
      return new JetStreamEventBus(nc, js, jsm, bucket, redeliveries, options, names);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  async publish(event: IntegrationEvent): Promise<void> {
    const { service } = parseIntegrationEventSubject(event.subject);
    await this.ensureStream(service);
    // Resolves on the server's PubAck: the event is stored (or was already, for a duplicate id).
    await this.js.publish(this.names.subject(event.subject), codec.encode(event), { msgID: event.id });
  }

  /** Pipelined: every publish is sent at once, and all their acknowledgements awaited. */
  async publishMany(events: readonly IntegrationEvent[]): Promise<void> {
    await Promise.all(events.map((event) => this.publish(event)));
  }

  async consume(options: ConsumerOptions, handler: IntegrationEventHandler): Promise<EventConsumer> {
    const stream = await this.ensureStream(options.sourceService);
    const singleFilter = options.subjects?.length === 1 ? options.subjects[0] : undefined;
    // Set every time (empty = none), so a consumer restarted with other subjects never keeps an old filter.
    const filterSubject = singleFilter ? this.names.subject(singleFilter) : '';
    const settings = {
      ack_wait: nanos(options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
      max_deliver: -1,
      // One message in flight: handled in order, and no message waits in a buffer while its ack timer runs.
      max_ack_pending: 1,
      filter_subject: filterSubject,
    };
    let existing: ConsumerInfo | null = null;
    try {
      existing = await retryJetStreamSetup(() => this.jsm.consumers.info(stream, options.durableName));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const create = async (startAfterSequence: number) => {
      const config: Partial<ConsumerConfig> = {
        durable_name: options.durableName,
        ack_policy: AckPolicy.Explicit,
        ...(startAfterSequence > 0
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startAfterSequence + 1 }
          : { deliver_policy: DeliverPolicy.All }),
        ...settings,
      };
      if (!filterSubject) delete config.filter_subject;
      await retryJetStreamSetup(() => this.jsm.consumers.add(stream, config));
    };
    if (!existing) {
      await create(0);
    } else if (
      (existing.config.filter_subject ?? '') !== filterSubject ||
      existing.config.ack_wait !== settings.ack_wait ||
      existing.config.max_ack_pending !== settings.max_ack_pending
    ) {
      // Settings changed. Recreate the consumer just after what it acknowledged: works on every
      // server version (2.9 can neither update a filter nor answer the newer update API).
      await this.jsm.consumers.delete(stream, options.durableName);
      await create(existing.ack_floor.stream_seq);
    }
    const pull = await retryJetStreamSetup(() => this.js.consumers.get(stream, options.durableName));
    const messages = await pull.consume({ max_messages: 1 });
    const consumer = new JetStreamConsumer(
      messages,
      options,
      handler,
      this.deadLetterBucket,
      this.redeliveryBucket,
      () => this.consumers.delete(consumer),
      (error) => this.options.onConsumerError?.(error, options.durableName),
      {
        // Once the restarted server has loaded the consumer again (an ack before that is lost).
        ready: async () => void (await this.jsm.consumers.info(stream, options.durableName)),
        publish: (subject, payload) => this.nc.publish(subject, text.encode(payload)),
        info: () => this.jsm.consumers.info(stream, options.durableName),
        redelivered: () => this.redeliveries.set(options.durableName, (this.redeliveries.get(options.durableName) ?? 0) + 1),
      },
    );
    this.consumers.add(consumer);
    consumer.start();
    await consumer.watchRedeliveries();
    return consumer;
  }

  async ping(): Promise<void> {
    await this.nc.flush();
    await this.jsm.getAccountInfo();
  }

  /**
   * The consumers running in this process, for metrics. Pending: the server's consumer info (not
   * delivered yet + delivered and not acknowledged), the same in every replica of the consumer; a
   * consumer of several subjects filters on this side, so counts every message of its stream.
   * Dead letters: the keys of the dead-letter bucket (`<durable>.<event id>`), not their values.
   */
  async consumerStatistics(): Promise<ConsumerStatistics[]> {
    if (this.nc.isClosed()) return [];
    const dead = new Map<string, number>();
    for (const { key } of await kvEntries(this.jsm, this.names.deadLetterBucket(), this.deadLetterBucket)) {
      const durableName = key.slice(0, key.indexOf('.'));
      dead.set(durableName, (dead.get(durableName) ?? 0) + 1);
    }
    return Promise.all(
      [...this.consumers].map(async (consumer) => {
        const info = await consumer.info();
        return {
          durableName: consumer.durableName,
          pending: info.num_pending + info.num_ack_pending,
          redeliveries: this.redeliveries.get(consumer.durableName) ?? 0,
          deadLetters: dead.get(consumer.durableName) ?? 0,
        };
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    if (!this.nc.isClosed()) await this.nc.drain();
  }

  /** For tests and ops: removes a service's stream and its consumers. */
  async deleteStream(service: string): Promise<void> {
    const name = this.names.stream(service);
    this.knownStreams.delete(name);
    try {
      await this.jsm.streams.delete(name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  private async ensureStream(service: string): Promise<string> {
    const name = this.names.stream(service);
    if (this.knownStreams.has(name)) return name;
    try {
      await retryJetStreamSetup(() => ensureStreamReplicas(this.jsm, name, this.options.replicas ?? 1));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await retryJetStreamSetup(() => this.jsm.streams.add({
          name,
          subjects: [this.names.subject(eventStreamSubjects(service))],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          duplicate_window: nanos(this.options.duplicateWindowMs ?? 2 * 60 * 1000),
          num_replicas: this.options.replicas ?? 1,
        }));
      } catch (addError) {
        // Another process created it between our info and add.
        if (!/already in use|already exists/i.test(String(addError))) throw addError;
      }
    }
    this.knownStreams.add(name);
    return name;
  }
}

/**
 * Handles one message at a time, in stream order (one message in flight: a message waiting in a
 * client-side buffer would have its ack timer running on the server). Nothing that goes wrong
 * around a message ends the loop: a failure to record, ack or decode is logged and the message is
 * redelivered later.
 */
class JetStreamConsumer implements EventConsumer {
  private loop: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly instanceId = randomUUID();
  private watch: QueuedIterator<KvEntry> | null = null;
  private watchLoop: Promise<void> = Promise.resolve();
  private readonly redeliveries = new Set<Promise<void>>();
  /** Handler calls, one at a time: stream messages and retried dead letters never overlap. */
  private turn: Promise<unknown> = Promise.resolve();
  /** How recent messages were settled (their ack subject, +ACK or +TERM), oldest first. */
  private readonly settled: Array<{ reply: string; verdict: '+ACK' | '+TERM'; at: number }> = [];

  constructor(
    private readonly messages: ConsumerMessages,
    private readonly options: ConsumerOptions,
    private readonly handler: IntegrationEventHandler,
    private readonly deadLetterBucket: KV,
    private readonly redeliveryBucket: KV,
    private readonly onStopped: () => void,
    private readonly onError: (error: unknown) => void,
    private readonly server: {
      ready(): Promise<void>;
      publish(subject: string, payload: string): void;
      info(): Promise<ConsumerInfo>;
      /** Counts a delivery after the first (metrics). */
      redelivered(): void;
    },
  ) {}

  get durableName(): string {
    return this.options.durableName;
  }

  /** The server's view of this durable consumer (pending counts, for metrics). */
  info(): Promise<ConsumerInfo> {
    return this.server.info();
  }

  private remember(message: JsMsg, verdict: '+ACK' | '+TERM'): void {
    // The ack subject (the client's message has it; its interface does not say so).
    const reply = (message as JsMsg & { reply?: string }).reply;
    if (!reply) return;
    const now = Date.now();
    this.settled.push({ reply, verdict, at: now });
    while (this.settled.length > SETTLED_MEMORY_MAX || (this.settled.length > 0 && now - this.settled[0].at > SETTLED_MEMORY_MS)) this.settled.shift();
  }

  /**
   * After a reconnect: acknowledges (or terminates) the recent messages again. One the server still
   * knew as settled ignores it; one it forgot in a crash is released at once instead of at the end
   * of its ack wait.
   */
  async resettle(): Promise<void> {
    if (this.stopped) return;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.server.ready();
        break;
      } catch (error) {
        if (this.stopped || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    const since = Date.now() - SETTLED_MEMORY_MS;
    for (const { reply, verdict, at } of this.settled) if (at >= since) this.server.publish(reply, verdict);
  }

  /**
   * Follows the retried dead letters of this durable consumer (`deadLetters.retry`). A fresh retry
   * is claimed by one replica (a revision-checked update); one found at start-up is claimed again
   * even if marked, since the replica that had it may have stopped (at worst it is handled twice,
   * and the consumer's inbox absorbs that).
   */
  async watchRedeliveries(): Promise<void> {
    let initialized = false;
    // A consumer of the bucket's stream, created like any other: retried while its stream elects a
    // leader (a NATS node just died), rather than failing the service's start.
    const watch = await retryJetStreamSetup(() =>
      this.redeliveryBucket.watch({ key: `${this.options.durableName}.>`, initializedFn: () => (initialized = true) }),
    );
    this.watch = watch;
    this.watchLoop = (async () => {
      try {
        for await (const entry of watch) {
          if (this.stopped) break;
          if (entry.operation !== 'PUT' || entry.value.length === 0) continue;
          const redelivery = entry.json<Redelivery>();
          if (redelivery.claimedBy === this.instanceId || (initialized && redelivery.claimedBy)) continue;
          const running: Promise<void> = this.redeliver(entry.key, redelivery, entry.revision)
            .catch((error) => this.onError(error))
            .finally(() => this.redeliveries.delete(running));
          this.redeliveries.add(running);
        }
      } catch (error) {
        this.onError(error);
      }
    })();
  }

  private async redeliver(key: string, redelivery: Redelivery, revision: number): Promise<void> {
    const event = redelivery.letter.event;
    let deliveries = redelivery.deliveries;
    while (!this.stopped) {
      deliveries++;
      try {
        revision = await this.redeliveryBucket.update(key, JSON.stringify({ ...redelivery, deliveries, claimedBy: this.instanceId }), revision);
      } catch {
        return; // another replica has it (or it was discarded)
      }
      if (deliveries > 1) this.server.redelivered();
      const verdict = await attemptDelivery(deliveries, this.options, () =>
        this.inTurn(() => handleInCorrelation(event, () => this.handler(event, { deliveryCount: deliveries }))),
      );
      if (verdict.kind === 'retry') {
        await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));
        continue;
      }
      if (verdict.kind === 'dead-letter') {
        const letter: DeadLetter = { ...redelivery.letter, error: verdict.error, deliveries, deadAt: new Date().toISOString() };
        await this.deadLetterBucket.put(letter.id, JSON.stringify(letter));
      }
      await this.redeliveryBucket.purge(key);
      return;
    }
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work, work);
    this.turn = result.catch(() => undefined);
    return result;
  }

  start(): void {
    this.loop = (async () => {
      try {
        for await (const message of this.messages) {
          if (this.stopped) {
            message.nak();
            continue;
          }
          try {
            await this.handle(message);
          } catch (error) {
            // Bookkeeping failed (dead-letter store, ack): try the message again later.
            this.onError(error);
            message.nak(retryDelay(this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, message.info.redeliveryCount));
          }
        }
      } catch (error) {
        this.onError(error);
      }
    })();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.messages.stop();
    this.watch?.stop();
    await this.watchLoop;
    await Promise.all([...this.redeliveries]);
    // A handler still running finishes (or the wait ends) before the connection drains. Not bound to
    // the ack wait: the heartbeat lets a handler run longer than that.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise((resolve) => (grace = setTimeout(resolve, Math.max(CONSUMER_STOP_GRACE_MS, this.options.ackWaitMs ?? 0))))]);
    clearTimeout(grace);
    this.onStopped();
  }

  private async handle(message: JsMsg): Promise<void> {
    const deliveryCount = message.info.redeliveryCount;
    if (deliveryCount > 1) this.server.redelivered();
    let event: IntegrationEvent;
    try {
      event = codec.decode(message.data);
    } catch (error) {
      // Not an integration event at all: nothing could ever handle it.
      this.onError(new Error(`dropping an undecodable message on ${message.subject}: ${describeError(error)}`));
      message.term();
      return;
    }
    // The server filters on one subject at most (nats-server 2.9); further patterns filter here.
    if (this.options.subjects && !this.options.subjects.some((pattern) => subjectMatches(pattern, event.subject))) {
      this.remember(message, '+ACK');
      await message.ackAck();
      return;
    }

    // Tell the server we are still on it, so a slow handler is not redelivered meanwhile.
    const ackWaitMs = this.options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    const heartbeat = setInterval(() => message.working(), Math.max(100, Math.floor(ackWaitMs / 3)));
    let verdict: DeliveryVerdict;
    try {
      verdict = await attemptDelivery(deliveryCount, this.options, () =>
        this.inTurn(() => handleInCorrelation(event, () => this.handler(event, { deliveryCount }))),
      );
    } finally {
      clearInterval(heartbeat);
    }

    if (verdict.kind === 'ack') {
      // An ack that fails is not a handler failure: the message comes back and the inbox absorbs it.
      this.remember(message, '+ACK');
      await message.ackAck();
    } else if (verdict.kind === 'dead-letter') {
      const letter: DeadLetter = {
        id: deadLetterId(this.options.durableName, event.id),
        durableName: this.options.durableName,
        event,
        error: verdict.error,
        deliveries: deliveryCount,
        deadAt: new Date().toISOString(),
      };
      // Record first, then terminate: a crash in between only means one more delivery.
      await this.deadLetterBucket.put(letter.id, JSON.stringify(letter));
      // No reason text: nats-server 2.9 does not understand "+TERM <reason>" and would keep the message pending.
      this.remember(message, '+TERM');
      message.term();
    } else {
      message.nak(verdict.delayMs);
    }
  }
}

class KvDeadLetters implements DeadLetterStore {
  constructor(
    private readonly jsm: JetStreamManager,
    private readonly bucketName: string,
    private readonly bucket: KV,
    private readonly redeliveries: KV,
  ) {}

  async retry(id: string): Promise<boolean> {
    const entry = await this.bucket.get(id);
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return false;
    const redelivery: Redelivery = { letter: entry.json<DeadLetter>(), deliveries: 0 };
    // Queued first, then removed from the dead letters: a crash in between leaves both, never neither.
    await this.redeliveries.put(id, JSON.stringify(redelivery));
    await this.bucket.purge(id);
    return true;
  }

  async list(durableName?: string): Promise<DeadLetter[]> {
    const entries = await kvEntries(this.jsm, this.bucketName, this.bucket, durableName ? `${durableName}.>` : undefined);
    return entries.map((entry) => entry.json<DeadLetter>()).sort((a, b) => a.deadAt.localeCompare(b.deadAt));
  }

  async discard(id: string): Promise<void> {
    await this.bucket.purge(id);
  }

  async record(letter: DeadLetter): Promise<void> {
    await this.bucket.put(letter.id, JSON.stringify(letter));
  }
}

function isNotFound(error: unknown): boolean {
  const text = String((error as Error)?.message ?? error);
  return /not found/i.test(text) || (error as { code?: string })?.code === '404';
}
