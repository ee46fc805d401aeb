import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A durable consumer this process runs, as its bus sees it at the time of a scrape. */
export interface ConsumerFigures {
  /** The durable name (`clients--billing`). */
  consumer: string;
  /** Messages of its source stream it has still to settle: not delivered yet, or delivered and not acknowledged. */
  pending: number;
  /** Deliveries after the first (count 2, 3, ...) this process made since it started: cumulative. */
  redeliveries: number;
  /** Its dead letters now (events that exhausted their deliveries, waiting for an operator). */
  deadLetters: number;
}

/** A processor (projection, reaction processor, outbox relay) running in this process. */
export interface ProcessorFigures {
  processor: string;
  /** An outbox relay (publishes the service's events to the bus) or anything else that follows the event store. */
  kind: 'outbox' | 'projection';
  /** Events after its checkpoint that it has still to handle (capped); null where this replica does not run it. */
  lagEvents: number | null;
  /** Whether this replica holds the processor's lease (runs it). */
  leaseHolder: boolean;
}

export type MailOutcome = 'sent' | 'transient_failure' | 'permanent_failure';
export type BusRequestOutcome = 'ok' | 'error' | 'unavailable';

/** Longest a scrape waits for one source (a NATS consumer info, a store query) before leaving its figures out. */
const SOURCE_TIMEOUT_MS = 2_000;
/** Several metrics read the same source in one scrape: it is asked once per this long. */
const SOURCE_REUSE_MS = 1_000;

/**
 * Node's process metrics (CPU, memory, event loop lag, GC, handles), in a registry of their own
 * made once per OS process: they describe the process, which every host in it shares, and each
 * collection starts monitors (event loop delay, GC observer) that are never stopped.
 */
let processDefaults: Registry | undefined;
function defaultMetricsRegistry(): Registry {
  if (!processDefaults) {
    processDefaults = new Registry();
    collectDefaultMetrics({ register: processDefaults });
  }
  return processDefaults;
}

/** The most events counted behind a processor's checkpoint at a scrape: counting reads them. */
export const LAG_COUNT_LIMIT = 1_000;

/**
 * The Prometheus metrics of one Clientele host (one `Platform`): a registry of its own, never
 * prom-client's global one, because test processes run several hosts side by side and each must
 * report its own figures. Figures that are state (pending messages, lag, dead letters, leases) are
 * read at scrape time from their sources; the counters and histograms of things that happen (HTTP
 * requests, bus requests, mails) are updated where they happen, with one observe and no I/O.
 */
export class ProcessMetrics {
  /** This host's metrics (the process's default metrics are added at `text()`). */
  readonly registry = new Registry();
  readonly httpRequestDuration: Histogram<'route' | 'method' | 'status'>;
  readonly busRequestDuration: Histogram<'subject' | 'outcome'>;
  readonly mailSent: Counter<'kind' | 'outcome'>;
  private consumerSources: Array<() => Promise<ConsumerFigures[]>> = [];
  private processorSources: Array<() => Promise<ProcessorFigures[]>> = [];
  private readonly sourceErrors: Counter<'source'>;

  private readonly now: () => number;
  private readonly defaults: Registry | null;

  /** `defaultMetrics`: Node's process metrics (default true); `now`: the clock (tests move it by hand). */
  constructor(options: { defaultMetrics?: boolean; now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
    const registers = [this.registry];
    this.defaults = (options.defaultMetrics ?? true) ? defaultMetricsRegistry() : null;
    this.httpRequestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests the gateway answered, by route template (never the raw URL), method and status, and how long each took.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.busRequestDuration = new Histogram({
      name: 'clientele_bus_request_duration_seconds',
      help: 'Requests (commands and queries) this process sent over the bus, by subject and outcome (ok; error: the handler refused; unavailable: no answer in time or no responder), and how long each took.',
      labelNames: ['subject', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.mailSent = new Counter({
      name: 'clientele_mail_sent_total',
      help: 'Mails the notifications service handed to its provider, by kind and outcome (sent; transient_failure: retried later; permanent_failure: went to the dead letters).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    const consumers = this.shared('consumers', () => Promise.all(this.consumerSources.map((source) => source())).then((all) => all.flat()));
    const processors = this.shared('processors', () => Promise.all(this.processorSources.map((source) => source())).then((all) => all.flat()));
    this.sourceErrors = new Counter({
      name: 'clientele_metrics_source_errors_total',
      help: 'Scrapes that left out the figures of a source (consumers, processors) because it failed or did not answer within 2 s.',
      labelNames: ['source'],
      registers,
      // After this scrape's reading of the sources, so that its own failures count in it.
      async collect() {
        await Promise.all([consumers(), processors()]);
      },
    });

    new Gauge({
      name: 'clientele_consumer_pending_messages',
      help: 'Messages a durable consumer of this process has still to settle (not delivered yet, or delivered and not acknowledged). On NATS, the JetStream consumer info, the same in every replica of the consumer (take the max); a consumer of several subjects counts every message of its stream.',
      labelNames: ['consumer'],
      registers,
      async collect() {
        const figures = await consumers();
        this.reset();
        for (const figure of figures ?? []) this.set({ consumer: figure.consumer }, figure.pending);
      },
    });
    const redeliveriesSeen = new Map<string, number>();
    new Counter({
      name: 'clientele_consumer_redeliveries_total',
      help: 'Deliveries of an event after its first (its handler failed, or its acknowledgement was lost) that this process made, by durable consumer.',
      labelNames: ['consumer'],
      registers,
      async collect() {
        for (const figure of (await consumers()) ?? []) {
          const seen = redeliveriesSeen.get(figure.consumer) ?? 0;
          // The source counts since its bus opened, as this counter does: only the growth is added.
          if (figure.redeliveries > seen) this.inc({ consumer: figure.consumer }, figure.redeliveries - seen);
          else if (!redeliveriesSeen.has(figure.consumer)) this.inc({ consumer: figure.consumer }, 0);
          redeliveriesSeen.set(figure.consumer, Math.max(seen, figure.redeliveries));
        }
      },
    });
    new Gauge({
      name: 'clientele_dead_letters',
      help: 'Dead letters of a durable consumer of this process: events that exhausted their deliveries and wait for an operator (`npm run ops -- dead-letters list`). Shared by the replicas of the consumer (take the max).',
      labelNames: ['consumer'],
      registers,
      async collect() {
        const figures = await consumers();
        this.reset();
        for (const figure of figures ?? []) this.set({ consumer: figure.consumer }, figure.deadLetters);
      },
    });
    const lagGauge = (name: string, kind: ProcessorFigures['kind'], help: string) =>
      new Gauge({
        name,
        help,
        labelNames: ['processor'],
        registers,
        async collect() {
          const figures = await processors();
          this.reset();
          for (const figure of figures ?? []) if (figure.kind === kind && figure.lagEvents !== null) this.set({ processor: figure.processor }, figure.lagEvents);
        },
      });
    lagGauge(
      'clientele_projection_lag_events',
      'projection',
      `Events in the service's event store after a processor's checkpoint that it has still to handle (its filter applied), counted up to ${LAG_COUNT_LIMIT}; reported by the replica that runs it.`,
    );
    lagGauge(
      'clientele_outbox_lag_events',
      'outbox',
      `Events in the service's event store after its outbox relay's checkpoint: not published to the bus yet, counted up to ${LAG_COUNT_LIMIT}; reported by the replica that runs it.`,
    );
    new Gauge({
      name: 'clientele_lease_holder',
      help: "1 where this replica holds a processor's lease (runs it), 0 where it stands by. Summed over the replicas: 1 for every lease (0: nobody runs it).",
      labelNames: ['lease'],
      registers,
      async collect() {
        const figures = await processors();
        this.reset();
        for (const figure of figures ?? []) this.set({ lease: figure.processor }, figure.leaseHolder ? 1 : 0);
      },
    });
  }

  /** Where the durable consumers of this process are counted (its event bus). */
  collectConsumers(source: () => Promise<ConsumerFigures[]>): void {
    this.consumerSources.push(source);
  }

  /** Where the processors of this process are counted (its processor runners). */
  collectProcessors(source: () => Promise<ProcessorFigures[]>): void {
    this.processorSources.push(source);
  }

  observeBusRequest(subject: string, outcome: BusRequestOutcome, seconds: number): void {
    this.busRequestDuration.observe({ subject, outcome }, seconds);
  }

  observeHttpRequest(route: string, method: string, status: number, seconds: number): void {
    this.httpRequestDuration.observe({ route, method, status: String(status) }, seconds);
  }

  countMail(kind: string, outcome: MailOutcome): void {
    this.mailSent.inc({ kind, outcome });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric: this host's, and the process's own. */
  text(): Promise<string> {
    return (this.defaults ? Registry.merge([this.registry, this.defaults]) : this.registry).metrics();
  }

  /**
   * A source read once for the metrics of one scrape (within SOURCE_REUSE_MS), with a time limit;
   * undefined (its metrics left out of the scrape) when it fails or is too slow.
   */
  private shared<T>(name: string, read: () => Promise<T>): () => Promise<T | undefined> {
    let last: { at: number; value: Promise<T | undefined> } | null = null;
    return () => {
      const now = this.now();
      if (last && now - last.at < SOURCE_REUSE_MS) return last.value;
      let timer: NodeJS.Timeout | undefined;
      const value = Promise.race([
        read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${name} did not answer within ${SOURCE_TIMEOUT_MS} ms`)), SOURCE_TIMEOUT_MS);
          timer.unref?.();
        }),
      ]).then(
        (result) => result,
        () => {
          this.sourceErrors.inc({ source: name });
          return undefined;
        },
      ).finally(() => clearTimeout(timer));
      last = { at: now, value };
      return value;
    };
  }
}
