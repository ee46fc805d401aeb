import type { ConsumerOptions, EventBus, IntegrationEvent, IntegrationEventHandler } from '../bus.port';

/** Settings a deployment gives every durable consumer that does not choose its own. */
export type ConsumerDefaults = Pick<ConsumerOptions, 'ackWaitMs'>;

/**
 * The bus, with deployment-wide defaults for its consumers (e.g. the ack wait from
 * `CLIENTELE_BUS_ACK_WAIT_MS`). A consumer's own setting wins; everything else is the bus itself.
 */
export function withConsumerDefaults(bus: EventBus, defaults: ConsumerDefaults): EventBus {
  const given = Object.fromEntries(Object.entries(defaults).filter(([, value]) => value !== undefined)) as ConsumerDefaults;
  if (Object.keys(given).length === 0) return bus;
  return {
    get deadLetters() {
      return bus.deadLetters;
    },
    publish: (event: IntegrationEvent) => bus.publish(event),
    publishMany: (events: readonly IntegrationEvent[]) => bus.publishMany(events),
    consume: (options: ConsumerOptions, handler: IntegrationEventHandler) => bus.consume({ ...given, ...withoutUndefined(options) }, handler),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
