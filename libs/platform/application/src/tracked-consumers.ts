import type { ConsumerOptions, EventBus, EventConsumer, IntegrationEvent, IntegrationEventHandler } from '@clientele/platform/bus';
import { WorkHealth, serviceOfWorker } from './work-health';

/**
 * The bus, with every durable consumer's handler counted in `health`: a failure (the bus redelivers
 * or dead-letters the event) adds to the consumer's streak, a success ends it. A consumer that fails
 * event after event (its store is broken, its code throws on everything) then shows in `/health`
 * under its durable name. Everything else is the bus itself.
 */
export function withTrackedConsumers(bus: EventBus, health: WorkHealth = WorkHealth.process): EventBus {
  return {
    get deadLetters() {
      return bus.deadLetters;
    },
    publish: (event: IntegrationEvent) => bus.publish(event),
    publishMany: (events: readonly IntegrationEvent[]) => bus.publishMany(events),
    consume: async (options: ConsumerOptions, handler: IntegrationEventHandler): Promise<EventConsumer> => {
      const streak = health.track(options.durableName, serviceOfWorker(options.durableName));
      try {
        const consumer = await bus.consume(options, async (event, context) => {
          try {
            await handler(event, context);
          } catch (error) {
            streak.failed(error);
            throw error;
          }
          streak.succeeded();
        });
        return {
          stop: async () => {
            await consumer.stop();
            health.forget(streak);
          },
        };
      } catch (error) {
        health.forget(streak);
        throw error;
      }
    },
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}
