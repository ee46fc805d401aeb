import { ClientNats, NatsOptions, ServerNats } from '@nestjs/microservices';

/**
 * NATS request/reply under a namespace: every subject gets the prefix `<namespace>.`, so several
 * Clientele systems (or test runs) can share one NATS server without answering each other's
 * requests. Handlers and callers keep using the plain subjects of the contracts.
 */
export class NamespacedNatsServer extends ServerNats {
  constructor(
    options: NatsOptions['options'],
    private readonly namespace: string,
  ) {
    super(options ?? {});
  }

  override addHandler(...args: Parameters<ServerNats['addHandler']>): void {
    const [pattern, ...rest] = args;
    super.addHandler(`${this.namespace}.${this.normalizePattern(pattern)}`, ...rest);
  }
}

export class NamespacedNatsClient extends ClientNats {
  constructor(
    options: NatsOptions['options'],
    private readonly namespace: string,
  ) {
    super(options ?? {});
  }

  protected override normalizePattern(pattern: Parameters<ClientNats['send']>[0]): string {
    return `${this.namespace}.${super.normalizePattern(pattern)}`;
  }
}

const NAMESPACE = /^[a-z][a-z0-9-]{0,30}$/;

export function assertNamespace(namespace: string): string {
  if (!NAMESPACE.test(namespace)) throw new Error(`NATS namespace "${namespace}" must be lowercase letters, digits and hyphens`);
  return namespace;
}
