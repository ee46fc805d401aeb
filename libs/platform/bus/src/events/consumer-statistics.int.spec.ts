import { connect } from 'nats';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventBus, IntegrationEvent } from '../bus.port';
import { ConsumerStatistics, EmbeddedEventBus } from './embedded-event-bus';
import { JetStreamEventBus } from './jetstream-event-bus';

/**
 * What both buses tell the metrics about the consumers of their process (`consumerStatistics`):
 * pending messages, redeliveries and dead letters, the same way on the embedded log and on JetStream.
 */
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const dir = mkdtempSync(join(tmpdir(), 'clientele-bus-statistics-'));
const namespace = `stats-${randomUUID().slice(0, 8)}`;

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const nc = await connect({ servers: NATS_URL });
  const jsm = await nc.jetstreamManager();
  for (const stream of [`${namespace.toUpperCase().replace(/-/g, '_')}_EVENTS_STAT`, `KV_${namespace}-dead-letters`, `KV_${namespace}-redeliveries`]) {
    await jsm.streams.delete(stream).catch(() => undefined);
  }
  await nc.close();
});

type StatisticsBus = EventBus & { consumerStatistics(): Promise<ConsumerStatistics[]> };

describe.each<[string, () => Promise<StatisticsBus>]>([
  ['embedded SQLite log', async () => new EmbeddedEventBus({ filename: join(dir, `${randomUUID()}.sqlite`) })],
  ['NATS JetStream', () => JetStreamEventBus.connect({ servers: NATS_URL, namespace, connectionName: 'statistics-spec' })],
])('consumer statistics: %s', (_name, open) => {
  const event = (subject = 'stat.thing.happened.v1'): IntegrationEvent => ({
    id: randomUUID(),
    subject,
    occurredAt: new Date().toISOString(),
    data: {},
    metadata: { correlationId: randomUUID() },
  });
  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (const deadline = Date.now() + 20_000; ; ) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('counts the pending messages of its subjects, the redeliveries and the dead letters of each consumer it runs', async () => {
    const bus = await open();
    const durableName = `stats-${randomUUID().slice(0, 8)}`;
    const of = async () => (await bus.consumerStatistics()).find((figures) => figures.durableName === durableName);
    try {
      expect(await of()).toBeUndefined(); // not running here (yet)

      const poison = event();
      const first = event();
      await bus.publishMany([first, event('stat.thing.other.v1'), event(), poison, event()]);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const handled: string[] = [];
      const consumer = await bus.consume(
        { durableName, sourceService: 'stat', subjects: ['stat.thing.happened.v1'], maxDeliveries: 2, retryDelaysMs: [20] },
        async (delivered) => {
          if (delivered.id === first.id) await held;
          if (delivered.id === poison.id) throw new Error('poison');
          handled.push(delivered.id);
        },
      );
      // The first is in hand, three more of its subject wait; the other subject's is not its business.
      expect(await until('four pending', async () => ((await of())?.pending === 4 ? await of() : undefined))).toEqual({
        durableName,
        pending: 4,
        redeliveries: 0,
        deadLetters: 0,
      });

      release();
      // The poison fails twice (one redelivery) and goes to the dead letters; the rest is handled.
      const settled = await until('everything settled', async () => {
        const figures = await of();
        return figures?.pending === 0 && figures.deadLetters === 1 ? figures : undefined;
      });
      expect(settled).toEqual({ durableName, pending: 0, redeliveries: 1, deadLetters: 1 });
      expect(handled).toHaveLength(3);

      await consumer.stop();
      expect(await of()).toBeUndefined();
    } finally {
      await bus.close();
    }
  }, 30_000);
});
