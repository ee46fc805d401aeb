import { EmbeddedEventBus, EventBus, IntegrationEvent, JetStreamEventBus } from '@clientele/platform/bus';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { RecordedEvent, SqliteEventStore } from '@clientele/platform/event-store';
import { randomUUID } from 'node:crypto';
import { OutboxRelay, toIntegrationEvent } from './outbox-relay';
import { ProcessorRunner } from './processor-runner';

const buses: Array<[string, (service: string) => Promise<{ bus: EventBus; cleanup: () => Promise<void> }>]> = [
  ['in-process', async () => {
    const bus = new EmbeddedEventBus({ filename: ':memory:' });
    return { bus, cleanup: () => bus.close() };
  }],
  ['NATS JetStream', async (service) => {
    const bus = await JetStreamEventBus.connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    return { bus, cleanup: async () => { await bus.deleteStream(service); await bus.close(); } };
  }],
];

describe.each(buses)('OutboxRelay over %s', (_name, openBus) => {
  let service: string;
  let events: SqliteEventStore;
  let documents: SqliteDocumentStore;
  let bus: EventBus;
  let cleanup: () => Promise<void>;
  let runner: ProcessorRunner | undefined;

  const mapper = (event: RecordedEvent): IntegrationEvent | null =>
    event.type === 'ClientAdded' ? toIntegrationEvent(event, `${service}.client.added.v1`, { clientId: event.streamName }) : null;

  beforeEach(async () => {
    service = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    events = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 20 });
    documents = new SqliteDocumentStore({ filename: ':memory:' });
    ({ bus, cleanup } = await openBus(service));
  });
  afterEach(async () => {
    await runner?.stop();
    await cleanup();
    await events.close();
    await documents.close();
  });

  const collect = async () => {
    const received: IntegrationEvent[] = [];
    await bus.consume({ durableName: `test--${service}`, sourceService: service }, async (e) => void received.push(e));
    return received;
  };
  const add = (id: string, type = 'ClientAdded') =>
    events.appendToStream(`client-${id}`, [{ id: randomUUID(), type, data: {}, metadata: { correlationId: `corr-${id}` } }], {
      expectedRevision: 'any',
    });

  it('publishes the public events with the id of the domain event, and only those', async () => {
    const received = await collect();
    const added = await add('1');
    await add('1', 'ClientNoteAdded');
    runner = new ProcessorRunner(events, documents, new OutboxRelay(bus, mapper));
    await runner.start();
    const last = await add('2');
    await runner.waitFor(last.position);
    await waitFor(() => received.length === 2);
    const [first] = await events.readStream('client-1');
    expect(received.map((e) => e.data.clientId)).toEqual(['client-1', 'client-2']);
    expect(received[0]).toMatchObject({ id: first.id, subject: `${service}.client.added.v1`, metadata: { correlationId: 'corr-1' } });
    // The relay writes nothing of its own: its checkpoint is saved shortly after, and on stop.
    await runner.stop();
    expect(await documents.getCheckpoint('outbox')).toBe(last.position);
    expect(added.position).toBeLessThan(last.position);
  });

  it('moves its checkpoint only after the bus acknowledged, and publishes what failed once the bus is back', async () => {
    const received = await collect();
    let busDown = true;
    const flakyBus = {
      publish: async (event: IntegrationEvent) => {
        if (busDown) throw new Error('bus unreachable');
        return bus.publish(event);
      },
      publishMany: async (events: readonly IntegrationEvent[]) => {
        if (busDown) throw new Error('bus unreachable');
        return bus.publishMany(events);
      },
    };
    await add('1');
    runner = new ProcessorRunner(events, documents, new OutboxRelay(flakyBus, mapper), { retryDelayMs: 30 });
    await runner.start();
    await sleep(150);
    expect(await documents.getCheckpoint('outbox')).toBeNull();
    busDown = false;
    const second = await add('2');
    await runner.waitFor(second.position);
    await waitFor(() => received.length === 2);
    expect(received.map((e) => e.data.clientId)).toEqual(['client-1', 'client-2']);
  });

  it('re-publishing after a crash before the checkpoint delivers nothing twice', async () => {
    const received = await collect();
    const added = await add('1');
    runner = new ProcessorRunner(events, documents, new OutboxRelay(bus, mapper));
    await runner.start();
    await runner.waitFor(added.position);
    await runner.stop();
    // As if the process died after publishing but before saving the checkpoint.
    await documents.commit([{ op: 'checkpoint', processor: 'outbox', position: null }]);
    runner = new ProcessorRunner(events, documents, new OutboxRelay(bus, mapper));
    await runner.start();
    await runner.waitFor(added.position);
    await sleep(300);
    expect(received).toHaveLength(1);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
