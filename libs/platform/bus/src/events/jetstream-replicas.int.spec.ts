import { connect } from 'nats';
import { randomUUID } from 'node:crypto';
import type { EventConsumer, IntegrationEvent } from '../bus.port';
import { JetStreamEventBus } from './jetstream-event-bus';

/**
 * Two replicas on one durable consumer (two processes in production, two connections here). The
 * idle replica always has a pull request waiting, so a delivery whose ack wait runs out while the
 * other replica is still handling it would go to the idle one at once: the same event handled
 * twice, concurrently. The handler's sign of life every third of the ack wait prevents it. (With a
 * single replica the server has nobody to redeliver to while the handler runs, so the contract
 * suite's slow-handler test cannot tell.) Uses the NATS server on NATS_URL, in a namespace of its own.
 */
const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('JetStreamEventBus with two replicas of a consumer', () => {
  const namespace = `replicas-${randomUUID().slice(0, 8)}`;
  const buses: JetStreamEventBus[] = [];
  const consumers: EventConsumer[] = [];

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await buses[0]?.deleteStream('svc').catch(() => undefined);
    await Promise.all(buses.map((b) => b.close()));
    // The namespace's dead-letter and redelivery buckets.
    const nc = await connect({ servers });
    const jsm = await nc.jetstreamManager();
    for (const bucket of ['dead-letters', 'redeliveries']) await jsm.streams.delete(`KV_${namespace}-${bucket}`).catch(() => undefined);
    await nc.close();
  });

  it('handles an event slower than the ack wait once, not once per replica', async () => {
    for (let i = 0; i < 2; i++) buses.push(await JetStreamEventBus.connect({ servers, namespace, connectionName: `replica-${i}` }));
    const calls: Array<{ n: number; replica: number }> = [];
    for (const [replica, bus] of buses.entries()) {
      consumers.push(
        // Three ack waits per event. Not shorter: a sign of life goes every third of the ack wait, and
        // a worker stalled for two of them on a loaded machine would see a redelivery this forbids.
        await bus.consume({ durableName: 'slow--svc', sourceService: 'svc', ackWaitMs: 2000 }, async (event) => {
          calls.push({ n: event.data.n as number, replica });
          await sleep(6000);
        }),
      );
    }
    const event = (n: number): IntegrationEvent => ({ id: randomUUID(), subject: 'svc.thing.happened.v1', occurredAt: new Date().toISOString(), data: { n }, metadata: {} });
    for (let n = 0; n < 3; n++) await buses[0].publish(event(n));
    const deadline = Date.now() + 40_000;
    while (calls.length < 3 && Date.now() < deadline) await sleep(50);
    await sleep(5000); // room for a redelivery to show
    expect(calls.map((c) => c.n)).toEqual([0, 1, 2]);
  }, 80_000);
});
