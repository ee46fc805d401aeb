import { EmbeddedEventBus, type IntegrationEvent } from '@clientele/platform/bus';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { randomUUID } from 'node:crypto';
import { ServiceLifecycle, type Startable } from './service-lifecycle';

describe('ServiceLifecycle (real SQLite store and embedded bus)', () => {
  let documents: SqliteDocumentStore;
  let bus: EmbeddedEventBus;
  const steps: string[] = [];

  beforeEach(() => {
    steps.length = 0;
    documents = new SqliteDocumentStore({ filename: ':memory:' });
    bus = new EmbeddedEventBus({ filename: ':memory:' });
  });
  afterEach(async () => {
    await bus.close();
    await documents.close();
  });

  const runner = (name: string): Startable => ({
    start: async () => void steps.push(`start ${name}`),
    stop: async () => void steps.push(`stop ${name}`),
  });

  it('declares indexes, starts the runners, then the reactions, once however often Nest calls it; stops in reverse', async () => {
    const handled: IntegrationEvent[] = [];
    const lifecycle = new ServiceLifecycle({
      documents,
      bus,
      indexes: [{ collection: 'people', indexes: [{ fields: [['lastName', 1]] }], text: ['lastName'] }],
      runners: [runner('views'), runner('outbox')],
      beforeRunnersStart: async () => void steps.push('before runners'),
      afterRunnersStart: async () => {
        // The read model's indexes are there before the runners write to it.
        await documents.commit([{ op: 'upsert', collection: 'people', doc: { id: 'p1', lastName: 'Lovelace' } }]);
        steps.push('after runners');
      },
      reactions: [
        {
          subscription: { durableName: 'test--source', sourceService: 'source', subjects: ['source.thing.happened.v1'] },
          handle: async (event) => {
            handled.push(event);
          },
        },
      ],
    });
    await Promise.all([lifecycle.start(), lifecycle.start()]);
    await lifecycle.start();
    expect(steps).toEqual(['before runners', 'start views', 'start outbox', 'after runners']);
    expect(await documents.collection('people').find({ lastName: { $contains: 'LOVE' } })).toHaveLength(1);

    await bus.publish({ id: randomUUID(), subject: 'source.thing.happened.v1', occurredAt: new Date().toISOString(), data: {}, metadata: {} });
    const deadline = Date.now() + 10_000;
    while (handled.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(handled).toHaveLength(1);

    await lifecycle.stop();
    expect(steps.slice(4)).toEqual(['stop views', 'stop outbox']);
  });
});
