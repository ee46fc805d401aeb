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
/**
 * For the tests that are not about expiry: a holder counts its lease as held for 900 ms after a
 * renewal with the short timings, so a worker stalled for about 650 ms on a loaded machine would
 * lose it, and these tests would see a second winner they do not test for.
 */
const steady = { ttlMs: 4000, renewEveryMs: 250, retryEveryMs: 100, safetyMarginMs: 500 };

describe('NatsKvLeases (JetStream KV over the real NATS server)', () => {
  let namespace: string;
  const opened: NatsKvLeases[] = [];
  const open = async (holderName: string, chosen = timings) => {
    const leases = await NatsKvLeases.connect({ servers, namespace, holderName, timings: chosen });
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
    const contenders = await Promise.all(['a', 'b', 'c', 'd'].map((name) => open(name, steady)));
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
    const [a, b] = [await open('a', steady), await open('b', steady)];
    const first = await a.lease('outbox').acquire();
    const taking = b.lease('outbox').acquire();
    await new Promise((r) => setTimeout(r, 300));
    const released = Date.now();
    await a.lease('outbox').release();
    const second = await taking;
    // Well before the TTL (the holder keeps renewing, so only the release can hand it over).
    expect(Date.now() - released).toBeLessThan(steady.ttlMs / 2);
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
    // Told once, at its next renewal tick (which a loaded machine may run after b's acquire).
    for (const deadline = Date.now() + 5000; lostA.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
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
    const [a, b] = [await open('a', steady), await open('b', steady)];
    await a.lease('long').acquire();
    const abort = new AbortController();
    const contender = b.lease('long').acquire(abort.signal).catch(() => 'gave up');
    await new Promise((r) => setTimeout(r, steady.ttlMs * 2));
    abort.abort();
    expect(await contender).toBe('gave up');
    expect(a.lease('long').isHeld()).toBe(true);
  });
});
