import type { ConsumerOptions, EventBus } from '../bus.port';
import { withConsumerDefaults } from './consumer-defaults';

describe('withConsumerDefaults', () => {
  const recording = () => {
    const seen: ConsumerOptions[] = [];
    const bus = {
      deadLetters: { list: async () => [] },
      consume: async (options: ConsumerOptions) => {
        seen.push(options);
        return { stop: async () => undefined };
      },
    } as unknown as EventBus;
    return { bus, seen };
  };

  it("gives consumers the deployment's ack wait unless they chose their own", async () => {
    const { bus, seen } = recording();
    const wrapped = withConsumerDefaults(bus, { ackWaitMs: 1000 });
    await wrapped.consume({ durableName: 'a--b', sourceService: 'b' }, async () => undefined);
    await wrapped.consume({ durableName: 'c--b', sourceService: 'b', ackWaitMs: 9000 }, async () => undefined);
    await wrapped.consume({ durableName: 'd--b', sourceService: 'b', ackWaitMs: undefined }, async () => undefined);
    expect(seen.map((o) => [o.durableName, o.ackWaitMs])).toEqual([
      ['a--b', 1000],
      ['c--b', 9000],
      ['d--b', 1000],
    ]);
    expect(wrapped.deadLetters).toBe(bus.deadLetters);
  });

  it('is the bus itself when there is nothing to default', () => {
    const { bus } = recording();
    expect(withConsumerDefaults(bus, { ackWaitMs: undefined })).toBe(bus);
  });
});
