import { JetStreamEventBus, retryJetStreamSetup, type IntegrationEvent } from '@clientele/platform/bus';
import { NatsKvLeases } from '@clientele/platform/coordination';
import { connect } from 'nats';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { NATS_SERVER_BINARY } from '../support/nats-server';
import { NatsCluster, startNatsCluster } from '../support/nats-cluster';

/**
 * CLIENTELE_BUS_REPLICAS (issue 18) on a real 3-node JetStream cluster: a deployment that ran with
 * one copy of everything (one NATS server, or the setting left at 1) and is restarted with 3 has
 * its existing streams and buckets raised to 3, not only the ones it creates afterwards; then an
 * event published before the change survives the loss of any one node.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (!existsSync(NATS_SERVER_BINARY)) {
  describe.skip('bus replicas on a NATS cluster', () => undefined);
  console.log(`bus replicas suite skipped: no nats-server at ${NATS_SERVER_BINARY} (set NATS_SERVER_BINARY).`);
} else {
  describe('bus replicas on a NATS cluster (CLIENTELE_BUS_REPLICAS)', () => {
    let cluster: NatsCluster;
    const namespace = `replicas-${randomUUID().slice(0, 8)}`;
    const closers: Array<() => Promise<unknown>> = [];

    beforeAll(async () => {
      cluster = await startNatsCluster();
    }, 120_000);

    afterAll(async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await cluster?.cleanup();
    }, 60_000);

    const streamReplicas = async (names: string[]) => {
      const nc = await connect({ servers: cluster.urls });
      try {
        const jsm = await nc.jetstreamManager();
        const found: Record<string, number> = {};
        for (const name of names) found[name] = (await jsm.streams.info(name)).config.num_replicas;
        return found;
      } finally {
        await nc.close();
      }
    };

    it('raises the streams and buckets a single-copy deployment created to 3, and keeps their events through the loss of a node', async () => {
      const eventsStream = `${namespace.toUpperCase().replace(/-/g, '_')}_EVENTS_SVC`;
      const names = [eventsStream, `KV_${namespace}-dead-letters`, `KV_${namespace}-leases`, `KV_${namespace}-redeliveries`].sort();
      await (async () => {
        const bus = await JetStreamEventBus.connect({ servers: cluster.urls, namespace, replicas: 1 });
        const leases = await NatsKvLeases.connect({ servers: cluster.urls, namespace, replicas: 1 });
        const before: IntegrationEvent = { id: randomUUID(), subject: 'svc.thing.happened.v1', occurredAt: new Date().toISOString(), data: { n: 1 }, metadata: {} };
        await publishSoon(bus, before);
        await leases.close();
        await bus.close();
      })();
      expect(await streamNames(cluster, namespace)).toEqual(names);
      const created = await streamReplicas(names);
      expect(Object.values(created)).toEqual(names.map(() => 1));

      // The same deployment, restarted with CLIENTELE_BUS_REPLICAS=3.
      const bus = await JetStreamEventBus.connect({ servers: cluster.urls, namespace, replicas: 3 });
      closers.push(() => bus.close());
      const leases = await NatsKvLeases.connect({ servers: cluster.urls, namespace, replicas: 3 });
      closers.push(() => leases.close());
      await publishSoon(bus, { id: randomUUID(), subject: 'svc.thing.happened.v1', occurredAt: new Date().toISOString(), data: { n: 2 }, metadata: {} });
      const raised = await streamReplicas(names);
      expect(raised).toEqual(Object.fromEntries(names.map((n) => [n, 3])));

      // Each copy catches up in the background: wait until every stream has two current followers,
      // then lose a node that holds a copy (every node does).
      await waitFor(async () => {
        const nc = await connect({ servers: cluster.urls });
        try {
          const jsm = await nc.jetstreamManager();
          for (const name of names) {
            const info = await jsm.streams.info(name);
            const replicas = info.cluster?.replicas ?? [];
            if (replicas.length !== 2 || replicas.some((r) => !r.current)) return false;
          }
          return true;
        } finally {
          await nc.close();
        }
      }, 60_000);
      // And every node says so of its own copies (healthz): the leader may count a follower current
      // while it still catches up from it, and a follower left catching up from the stopped node
      // never becomes current, so no leader would be elected.
      await cluster.waitUntilReady(60_000);
      const eventsLeader = (await connect({ servers: cluster.urls }).then(async (nc) => {
        try {
          return (await (await nc.jetstreamManager()).streams.info(eventsStream)).cluster?.leader;
        } finally {
          await nc.close();
        }
      }))!;
      await cluster.stop(eventsLeader);
      // The streams the stopped node led elect new leaders among the two left; the consumer below
      // is created once they have (the bus also retries its set-up while they elect).
      await cluster.waitUntilReady(60_000);
      await waitFor(async () => {
        const nc = await connect({ servers: cluster.urls });
        try {
          const jsm = await nc.jetstreamManager();
          for (const name of names) {
            const leader = (await jsm.streams.info(name)).cluster?.leader;
            if (!leader || leader === eventsLeader) return false;
          }
          return true;
        } finally {
          await nc.close();
        }
      }, 60_000);

      const seen: number[] = [];
      const consumer = await bus.consume({ durableName: 'probe--svc', sourceService: 'svc' }, async (event) => void seen.push(event.data.n as number));
      closers.unshift(() => consumer.stop());
      await waitFor(async () => seen.length >= 2, 90_000);
      expect(seen).toEqual([1, 2]);
    }, 240_000);
  });
}

async function streamNames(cluster: NatsCluster, namespace: string): Promise<string[]> {
  const nc = await connect({ servers: cluster.urls });
  try {
    const jsm = await nc.jetstreamManager();
    const names: string[] = [];
    for await (const name of jsm.streams.names()) if (name.toLowerCase().includes(namespace.replace(/-/g, '_')) || name.includes(namespace)) names.push(name);
    return names.sort();
  } finally {
    await nc.close();
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return;
    } catch {
      // a node that is electing answers later
    }
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/**
 * A stream just created (or just raised) on a cluster takes a moment to elect its leader and make
 * its subjects known on every node; until then a publish answers 503 "no responders". The outbox
 * relays retry a failed publish anyway; here it is retried the same way, and an event id is stored
 * once whatever the retries.
 */
function publishSoon(bus: JetStreamEventBus, event: IntegrationEvent): Promise<void> {
  return retryJetStreamSetup(() => bus.publish(event));
}
