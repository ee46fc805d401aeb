import { ClientNats, NatsContext, NatsOptions, NatsRecordBuilder, ReadPacket, ServerNats, WritePacket } from '@nestjs/microservices';
import { headers as natsHeaders, type Msg, type Subscription } from 'nats';
import { withRequestContext } from './envelope';

/**
 * The NATS request server of a service, with two additions to Nest's:
 * - an optional namespace: every subject gets the prefix `<namespace>.`, so several Clientele
 *   systems (or test runs) can share one NATS server without answering each other's requests;
 *   handlers and callers keep using the plain subjects of the contracts;
 * - a stop that loses no request: the subscriptions drain (NATS sends new requests of the queue
 *   group to the other replicas, and the ones already received here are handled), then it waits
 *   until every request it took has been answered, at most as long as a caller waits for one,
 *   and only then closes the connection. Nest's own graceful stop waits a fixed time instead,
 *   and a request slower than that lost its answer (a 503 to the caller).
 */
export class DrainingNatsServer extends ServerNats {
  private readonly inFlight = new Set<Msg>();
  private idle: (() => void) | null = null;

  constructor(
    options: NatsOptions['options'],
    private readonly settings: { namespace?: string; drainTimeoutMs: number },
  ) {
    // Nest's own graceful shutdown is off: close() below does it.
    super({ ...(options ?? {}), gracefulShutdown: false });
  }

  override addHandler(...args: Parameters<ServerNats['addHandler']>): void {
    const [pattern, callback, isEventHandler, ...rest] = args;
    const plain = this.normalizePattern(pattern);
    const subject = this.settings.namespace ? `${this.settings.namespace}.${plain}` : pattern;
    super.addHandler(subject, isEventHandler ? callback : withRequestContext(plain, callback), isEventHandler, ...rest);
  }

  override async handleMessage(channel: string, natsMsg: Msg): Promise<unknown> {
    if (natsMsg.reply) this.inFlight.add(natsMsg);
    try {
      return await super.handleMessage(channel, natsMsg);
    } catch (error) {
      this.settled(natsMsg);
      throw error;
    }
  }

  override getPublisher(natsMsg: Msg, id: string, ctx: NatsContext): (response: unknown) => unknown {
    const publish = super.getPublisher(natsMsg, id, ctx);
    return (response) => {
      try {
        return publish(response);
      } finally {
        // The last packet of an answer carries isDisposed; an error answer (or "no handler") is one packet.
        const packet = response as { isDisposed?: boolean; err?: unknown } | null;
        if (packet?.isDisposed || packet?.err !== undefined) this.settled(natsMsg);
      }
    };
  }

  override async close(): Promise<void> {
    // Nest keeps the subscriptions private; draining them is the point of this class.
    const subscriptions = (this as unknown as { subscriptions: Subscription[] }).subscriptions ?? [];
    await Promise.all(subscriptions.map((subscription) => subscription.drain().catch(() => undefined)));
    await this.untilIdle(this.settings.drainTimeoutMs);
    await super.close();
  }

  /** How many requests this server took and has not answered yet. */
  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  private settled(natsMsg: Msg): void {
    this.inFlight.delete(natsMsg);
    if (this.inFlight.size === 0) this.idle?.();
  }

  private async untilIdle(timeoutMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
    this.idle = null;
  }
}

/**
 * The NATS request client of a service, with two additions to Nest's:
 * - the namespace of the server above (optional);
 * - the W3C traceparent of a request (traces on) travels as a NATS header, where tracing tools
 *   look for it, instead of in the payload: the responder's span reads it there
 *   (`withRequestContext`). The in-process bus has no headers and keeps it in the
 *   envelope.
 */
export class ClienteleNatsClient extends ClientNats {
  constructor(
    options: NatsOptions['options'],
    private readonly namespace?: string,
  ) {
    super(options ?? {});
  }

  protected override normalizePattern(pattern: Parameters<ClientNats['send']>[0]): string {
    const subject = super.normalizePattern(pattern);
    return this.namespace ? `${this.namespace}.${subject}` : subject;
  }

  protected override publish(packet: ReadPacket, callback: (packet: WritePacket) => unknown): () => void {
    return super.publish(withTraceparentHeader(packet), callback);
  }
}

/** The packet with its payload's traceparent moved to a NATS header (unchanged when it has none). */
export function withTraceparentHeader(packet: ReadPacket): ReadPacket {
  const data = packet.data as { traceparent?: unknown } | null | undefined;
  if (data === null || typeof data !== 'object' || Array.isArray(data) || typeof data.traceparent !== 'string') return packet;
  const { traceparent, ...payload } = data;
  const headers = natsHeaders();
  headers.set(TRACEPARENT_HEADER, traceparent);
  return { ...packet, data: new NatsRecordBuilder(payload).setHeaders(headers).build() };
}

/** The W3C header name (lower case, as the Trace Context spec writes it). */
export const TRACEPARENT_HEADER = 'traceparent';

const NAMESPACE = /^[a-z][a-z0-9-]{0,30}$/;

export function assertNamespace(namespace: string): string {
  if (!NAMESPACE.test(namespace)) throw new Error(`NATS namespace "${namespace}" must be lowercase letters, digits and hyphens`);
  return namespace;
}
