import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { NatsKvLeases } from './nats-kv-leases';

/**
 * Leases over the NATS server on this machine (127.0.0.1:4222, JetStream), each test in a bucket
 * of its own namespace, with short timings so that expiry is observable in a test.
 */
const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const TTL = 1200;
const timings = { ttlMs: TTL, renewEveryMs: 250, retryEveryMs: 100, safetyMarginMs: 300 };

describe('NatsKvLeases (JetStream KV over the real NATS server)', () => {
  let namespace: string;
  const opened: NatsKvLeases[] = [];
  const open = async (holderName: string) => {
    const leases = await NatsKvLeases.connect({ servers, namespace, holderName, timings });
    opened.push(leases);
    return leases;
  };

  beforeEach(() => {
    namespace = `lease-${randomUUID().slice(0, 8)}`;
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((leases) => leases.close().catch(() => undefined)));
    const nc = await connect({ servers });
    await (await nc.jetstreamManager()).streams.delete(`KV_${namespace}-leases`).catch(() => undefined);
    await nc.close();
  });

  it('gives a lease to exactly one of several contenders', async () => {
    const contenders = await Promise.all(['a', 'b', 'c', 'd'].map(open));
    const abort = new AbortController();
    const winners: string[] = [];
    const attempts = contenders.map((leases) =>
      leases
        .lease('clients_views')
        .acquire(abort.signal)
        .then(() => winners.push(leases.holderId))
        .catch(() => undefined),
    );
    await new Promise((r) => setTimeout(r, 1500)); // several retry rounds and renewals
    abort.abort();
    await Promise.all(attempts);
    expect(winners).toHaveLength(1);
    const held = contenders.filter((leases) => leases.lease('clients_views').isHeld());
    expect(held.map((l) => l.holderId)).toEqual(winners);
    expect((await contenders[0].holders())['clients_views'].holder).toBe(winners[0]);
  });

  it('hands the lease over at once when its holder releases it, with a higher fencing token', async () => {
    const [a, b] = [await open('a'), await open('b')];
    const first = await a.lease('outbox').acquire();
    const taking = b.lease('outbox').acquire();
    await new Promise((r) => setTimeout(r, 300));
    const released = Date.now();
    await a.lease('outbox').release();
    const second = await taking;
    expect(Date.now() - released).toBeLessThan(1000);
    expect(second).toBeGreaterThan(first);
    expect(a.lease('outbox').isHeld()).toBe(false);
  });

  it('lets another replica take over within the TTL after the holder dies, and the dead one cannot renew', async () => {
    const [a, b] = [await open('a'), await open('b')];
    const lostA: string[] = [];
    a.lease('views').onLost((reason) => lostA.push(reason));
    const first = await a.lease('views').acquire();
    // The holder "dies": its connection goes away without releasing anything.
    await (a as unknown as { nc: { close(): Promise<void> } }).nc.close();
    const died = Date.now();
    const second = await b.lease('views').acquire();
    const takeover = Date.now() - died;
    expect(second).toBeGreaterThan(first);
    expect(takeover).toBeLessThan(TTL + 1500);
    expect(takeover).toBeGreaterThanOrEqual(TTL - timings.safetyMarginMs - 200); // not before the TTL ran out
    // The old holder counted its lease as lost before the new one could have it.
    expect(a.lease('views').isHeld()).toBe(false);
    expect(lostA.length).toBe(1);
  });

  it('loses the lease when someone else holds the key at renewal time (a paused holder that wakes up)', async () => {
    const [a, b] = [await open('a'), await open('b')];
    const lost: string[] = [];
    const lease = a.lease('p');
    lease.onLost((reason) => lost.push(reason));
    await lease.acquire();
    // Simulate a pause: a's renewals stop (its timer is held back) while b takes over after the TTL.
    const pause = (lease as unknown as { renewTimer: NodeJS.Timeout | null }).renewTimer;
    if (pause) clearTimeout(pause);
    const token = await b.lease('p').acquire();
    // When the paused holder looks again, its own clock already says the lease is gone...
    expect(lease.isHeld()).toBe(false);
    // ...and a renewal it sends anyway is refused by the server.
    await (lease as unknown as { renew(): Promise<void> }).renew();
    expect(lost.length).toBe(1);
    expect(b.lease('p').isHeld()).toBe(true);
    expect((await b.holders())['p'].token).toBe(token);
  });

  it('keeps a lease while renewing, for many TTLs', async () => {
    const [a, b] = [await open('a'), await open('b')];
    await a.lease('long').acquire();
    const abort = new AbortController();
    const contender = b.lease('long').acquire(abort.signal).catch(() => 'gave up');
    await new Promise((r) => setTimeout(r, TTL * 3));
    abort.abort();
    expect(await contender).toBe('gave up');
    expect(a.lease('long').isHeld()).toBe(true);
  });
});
