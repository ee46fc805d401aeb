import { connect, type JetStreamManager, type KV, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { kvEntries } from './kv-keys';

/** Uses the NATS server on NATS_URL, in a bucket of its own, deleted afterwards. */
const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

describe('kvEntries: the live entries of a key-value bucket', () => {
  const bucketName = `kv-entries-${randomUUID().slice(0, 8)}`;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let kv: KV;

  beforeAll(async () => {
    nc = await connect({ servers });
    jsm = await nc.jetstreamManager();
    kv = await nc.jetstream().views.kv(bucketName, { history: 1 });
  });
  afterAll(async () => {
    await jsm.streams.delete(`KV_${bucketName}`).catch(() => undefined);
    await nc.close();
  });

  it('lists the keys under a filter whose last operation is a put, not the deleted or purged ones', async () => {
    await kv.put('a.1', 'one');
    await kv.put('a.2', 'two');
    await kv.put('a.3', 'three');
    await kv.put('b.1', 'other');
    await kv.delete('a.2');
    await kv.purge('a.3');
    const under = async (filter?: string) => (await kvEntries(jsm, bucketName, kv, filter)).map((entry) => [entry.key, entry.string()]).sort();
    expect(await under('a.>')).toEqual([['a.1', 'one']]);
    expect(await under()).toEqual([
      ['a.1', 'one'],
      ['b.1', 'other'],
    ]);
    expect(await under('c.>')).toEqual([]);
  });

  it('always ends while keys are put and purged meanwhile (nats.js kv.keys() got stuck within its first 40 lists here)', async () => {
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        await kv.put(`d.${i % 5}`, 'x');
        await kv.purge(`d.${i % 5}`);
      }
    })();
    let lists = 0;
    let unanswered = 0;
    try {
      // A hundred lists (the old client got stuck within 40), however long a loaded machine takes.
      for (const until = Date.now() + 40_000; lists < 100 && Date.now() < until; lists++) {
        let timer: NodeJS.Timeout | undefined;
        // A request answers or fails within the client's 5 s timeout; past 10 s, the listing is stuck.
        const outcome = await Promise.race([
          kvEntries(jsm, bucketName, kv, 'd.>').then(() => 'listed'),
          new Promise((resolve) => (timer = setTimeout(() => resolve('stuck'), 10_000))),
        ]);
        clearTimeout(timer);
        if (outcome === 'stuck') unanswered++;
      }
    } finally {
      churning = false;
      await churn;
    }
    expect(lists).toBe(100);
    expect(unanswered).toBe(0);
  }, 60_000);
});
