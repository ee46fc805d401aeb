import { BaseRpcContext, ClientProxy, CustomTransportStrategy, ReadPacket, Server, WritePacket } from '@nestjs/microservices';
import { NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants';
import { Observable } from 'rxjs';
import { withRequestContext } from './envelope';

type Responder = (data: unknown, context: BaseRpcContext) => Promise<Observable<unknown>>;

/**
 * Connects in-process clients to in-process servers: the embedded profile's stand-in for NATS
 * request/reply. Payloads are copied through JSON on the way in and out, so handlers see exactly
 * what they would see over NATS (no shared objects, dates as strings).
 */
export class InProcessBroker {
  private readonly responders = new Map<string, Responder>();

  register(pattern: string, responder: Responder): void {
    if (this.responders.has(pattern)) throw new Error(`two in-process handlers for ${pattern}`);
    this.responders.set(pattern, responder);
  }

  unregister(pattern: string): void {
    this.responders.delete(pattern);
  }

  responderFor(pattern: string): Responder | undefined {
    return this.responders.get(pattern);
  }
}

/** Hosts a Nest app's `@MessagePattern` handlers on an InProcessBroker. */
export class InProcessServer extends Server implements CustomTransportStrategy {
  private readonly registered: string[] = [];

  constructor(private readonly broker: InProcessBroker) {
    super();
  }

  listen(callback: () => void): void {
    for (const [pattern, handler] of this.messageHandlers) {
      if (handler.isEventHandler) continue;
      const answer = withRequestContext(pattern, handler);
      this.broker.register(pattern, async (data, context) => this.transformToObservable(await answer(data, context)));
      this.registered.push(pattern);
    }
    callback();
  }

  close(): void {
    for (const pattern of this.registered.splice(0)) this.broker.unregister(pattern);
  }

  on(): void {
    // No transport-level events in process.
  }

  unwrap<T>(): T {
    return this.broker as T;
  }
}

/** A Nest ClientProxy that sends to handlers registered on an InProcessBroker. */
export class InProcessClient extends ClientProxy {
  constructor(private readonly broker: InProcessBroker) {
    super();
  }

  async connect(): Promise<void> {
    // Nothing to connect.
  }

  close(): void {
    // Nothing to close.
  }

  unwrap<T>(): T {
    return this.broker as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let cancelled = false;
    const pattern = this.normalizePattern(packet.pattern);
    const responder = this.broker.responderFor(pattern);
    if (!responder) {
      callback({ err: NO_MESSAGE_HANDLER, isDisposed: true });
      return () => undefined;
    }
    const subscriptions: Array<{ unsubscribe(): void }> = [];
    void (async () => {
      try {
        const response$ = await responder(copy(packet.data), new BaseRpcContext([pattern]));
        if (cancelled) return;
        subscriptions.push(
          response$.subscribe({
            next: (response) => !cancelled && callback({ response: copy(response), isDisposed: false }),
            error: (err) => !cancelled && callback({ err: copy(err), isDisposed: true }),
            complete: () => !cancelled && callback({ isDisposed: true }),
          }),
        );
      } catch (err) {
        if (!cancelled) callback({ err: copy(err), isDisposed: true });
      }
    })();
    return () => {
      cancelled = true;
      subscriptions.forEach((s) => s.unsubscribe());
    };
  }

  protected async dispatchEvent(): Promise<never> {
    throw new Error('integration events go through the EventBus, not the request transport');
  }
}

function copy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
