/**
 * The bus port, in two halves:
 * - request/reply for commands and queries (`RequestClient`), with a timeout that turns into an
 *   `unavailable` error. Handlers are plain Nest `@MessagePattern` methods; the transport
 *   underneath is either in-process or NATS.
 * - integration events (`EventBus`): durable, at-least-once, deduplicated by event id, with
 *   redelivery and a dead-letter record after a bounded number of deliveries. In-process (an
 *   embedded SQLite log) or NATS JetStream.
 * Both halves pass their contract suites in `testing/`.
 */

export interface RequestOptions {
  timeoutMs?: number;
}

export interface RequestClient {
  /** Resolves with the handler's answer; rejects with its AppError, or UnavailableError on timeout. */
  request<TResult = unknown>(subject: string, payload: unknown, options?: RequestOptions): Promise<TResult>;
}

export interface IntegrationEventMetadata {
  correlationId?: string;
  causationId?: string;
  actor?: { id: string; role: string };
  accountId?: string;
  [key: string]: unknown;
}

/** A public fact one service tells the others. Its id is the id of the domain event it comes from. */
export interface IntegrationEvent<Data = Record<string, unknown>> {
  id: string;
  /** `<service>.<aggregate>.<event>.v<N>` */
  subject: string;
  occurredAt: string;
  data: Data;
  metadata: IntegrationEventMetadata;
}

/**
 * A service's integration events, subject to data: each contracts library exports one
 * (`ClientsIntegrationEvents`), so that a consumer gets typed data without a cast.
 */
export type IntegrationEventMap<M> = { [S in keyof M]: object };

/** One event of a map, as delivered: `event.subject` narrows `event.data` in a switch. */
export type IntegrationEventOf<M extends IntegrationEventMap<M>, S extends keyof M & string = keyof M & string> = S extends unknown
  ? Omit<IntegrationEvent, 'subject' | 'data'> & { subject: S; data: M[S] }
  : never;

export interface DeliveryContext {
  /** 1 on the first delivery, then 2, 3, ... */
  deliveryCount: number;
}

export type IntegrationEventHandler = (event: IntegrationEvent, context: DeliveryContext) => Promise<void>;

export interface ConsumerOptions {
  /** `<consumer-service>--<source-service>` (see `durableName`). */
  durableName: string;
  /** The service whose stream is read. */
  sourceService: string;
  /** Subject patterns to receive (NATS wildcards); default: the whole stream. */
  subjects?: readonly string[];
  /** Deliveries before the event goes to the dead letters. Default 5. */
  maxDeliveries?: number;
  /**
   * How long a delivery may go without an acknowledgement or a sign of life before it is
   * redelivered. A running handler sends a sign of life every third of it, so this bounds how long a
   * lost delivery (a crash, a NATS restart) holds up the events behind it, not how long a handler
   * may take. Default 5 s (`DEFAULT_ACK_WAIT_MS`).
   */
  ackWaitMs?: number;
  /** Delay before each redelivery after a failure; the last value repeats. Default [200, 1000, 5000]. */
  retryDelaysMs?: readonly number[];
}

export interface EventConsumer {
  stop(): Promise<void>;
}

export interface DeadLetter {
  id: string;
  durableName: string;
  event: IntegrationEvent;
  error: string;
  deliveries: number;
  deadAt: string;
}

export interface DeadLetterStore {
  list(durableName?: string): Promise<DeadLetter[]>;
  discard(id: string): Promise<void>;
  /** For a consumer that knows at once that an event can never be handled (a permanent failure). */
  record(letter: DeadLetter): Promise<void>;
  /**
   * Hands the letter back to the one durable consumer it died in, and removes it from the dead
   * letters: that consumer (running now, in any process, or when it next starts) handles the event
   * again with a fresh count of deliveries (1, 2, ...), and dead-letters it again if it still fails.
   * Nothing is published: other consumers see nothing (and publishing an id again would be
   * deduplicated anyway). Resolves false when there is no letter with this id.
   */
  retry(id: string): Promise<boolean>;
}

export interface EventBus {
  /** Resolves once the event is durably stored by the bus; publishing an id twice stores it once. */
  publish(event: IntegrationEvent): Promise<void>;
  /** Several at once, in order; resolves once all are durably stored. */
  publishMany(events: readonly IntegrationEvent[]): Promise<void>;
  consume(options: ConsumerOptions, handler: IntegrationEventHandler): Promise<EventConsumer>;
  readonly deadLetters: DeadLetterStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_DELIVERIES = 5;
/**
 * Consumers take one message at a time, so a delivery that is never settled (a process killed
 * mid-handling, a message in flight when NATS died) holds up every event behind it until its ack
 * wait runs out. (An acknowledgement a restarted NATS server forgot is sent again on reconnect,
 * see the JetStream adapter.) Handlers send a sign of life every third of the ack wait, so a short
 * one costs a small message per 1.7 s of handling; only a process whose event loop stops for more
 * than about 3 s gets a spurious redelivery, which the consumer's inbox absorbs. It was 30 s:
 * events stalled for up to 30 s after a NATS restart.
 */
export const DEFAULT_ACK_WAIT_MS = 5_000;
/** How long stopping a consumer waits for the handler it is running to finish. */
export const CONSUMER_STOP_GRACE_MS = 30_000;
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [200, 1000, 5000];

export function retryDelay(delays: readonly number[], deliveryCount: number): number {
  return delays[Math.min(deliveryCount - 1, delays.length - 1)] ?? 0;
}

export function deadLetterId(durable: string, eventId: string): string {
  return `${durable}.${eventId}`;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
