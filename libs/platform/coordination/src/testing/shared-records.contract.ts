import { FixedWindowThrottlerStorage } from '../fixed-window-throttler-storage';
import { SharedRecords } from '../shared-records.port';

export interface SharedRecordsUnderTest {
  /** A store for one test, empty. */
  open(): Promise<SharedRecords>;
  /** Another client of the same store (another gateway replica), when the adapter is shared. */
  openPeer?(): Promise<SharedRecords>;
}

/** Waits for a condition that needs time to pass (an expiry), asking every 50 ms. */
async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const add = (records: SharedRecords, key: string, lifeMs = 60_000) =>
  records.modify<number, number>(key, (current, now) => {
    const next = (current ?? 0) + 1;
    return { record: { value: next, expiresAt: now + lifeMs }, result: next };
  });
const read = (records: SharedRecords, key: string) => records.modify<number | undefined, number>(key, (current) => ({ write: false, result: current }));

/** What every SharedRecords adapter does, and the throttler storage over it. */
export function sharedRecordsContract(name: string, adapter: SharedRecordsUnderTest): void {
  describe(`${name}: the SharedRecords contract`, () => {
    const opened: SharedRecords[] = [];
    const open = async (peer = false) => {
      const records = peer && adapter.openPeer ? await adapter.openPeer() : await adapter.open();
      opened.push(records);
      return records;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((records) => records.close().catch(() => undefined)));
    });

    it('reads what it wrote, per key, and nothing for a key never written', async () => {
      const records = await open();
      expect(await read(records, 'a')).toBeUndefined();
      expect(await add(records, 'a')).toBe(1);
      expect(await add(records, 'a')).toBe(2);
      expect(await add(records, 'b')).toBe(1);
      expect(await read(records, 'a')).toBe(2);
    });

    it('clears a record when a change stores none, and leaves it when a change writes nothing', async () => {
      const records = await open();
      await add(records, 'c');
      await records.modify<void, number>('c', () => ({ write: false, result: undefined }));
      expect(await read(records, 'c')).toBe(1);
      await records.modify<void, number>('c', () => ({ result: undefined }));
      expect(await read(records, 'c')).toBeUndefined();
      expect(await add(records, 'c')).toBe(1);
    });

    it('forgets a record once it expires', async () => {
      const records = await open();
      await add(records, 'short', 300);
      await add(records, 'long');
      await until('the short record expires', 5000, async () => (await read(records, 'short')) === undefined);
      expect(await read(records, 'long')).toBe(1);
      expect(await add(records, 'short', 300)).toBe(1);
    });

    it('loses no change and counts none twice when many change one key at once', async () => {
      const first = await open();
      const second = adapter.openPeer ? await open(true) : first;
      // Each change that loses a race loses it to another change that then succeeded, so with 24 at
      // once none loses more than 23 times: within the store's 25 tries whatever the machine's load.
      const counts = await Promise.all(Array.from({ length: 24 }, (_, i) => add(i % 2 ? first : second, 'contended')));
      expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
      expect(await read(first, 'contended')).toBe(24);
    });

    describe('the throttler storage over it (a fixed window per key)', () => {
      it('lets `limit` hits through, then refuses until the window ends, with the seconds left', async () => {
        const storage = new FixedWindowThrottlerStorage(await open());
        const hits = [];
        for (let i = 0; i < 5; i++) hits.push(await storage.increment('ip-1', 60_000, 3, 0, 'auth'));
        expect(hits.map((h) => h.isBlocked)).toEqual([false, false, false, true, true]);
        expect(hits.map((h) => h.totalHits).slice(0, 4)).toEqual([1, 2, 3, 4]);
        expect(hits[3].timeToBlockExpire).toBeGreaterThan(50);
        expect(hits[3].timeToBlockExpire).toBeLessThanOrEqual(60);
        // Another key, another throttler: their own windows.
        expect((await storage.increment('ip-2', 60_000, 3, 0, 'auth')).isBlocked).toBe(false);
        expect((await storage.increment('ip-1', 60_000, 3, 0, 'other')).isBlocked).toBe(false);
      });

      it('starts a new window once the last one ended', async () => {
        const storage = new FixedWindowThrottlerStorage(await open());
        // Two seconds: the second hit must land inside the first one's window, even on a stalled worker.
        await storage.increment('ip', 2000, 1, 0, 'auth');
        expect((await storage.increment('ip', 2000, 1, 0, 'auth')).isBlocked).toBe(true);
        await until('the window ends', 10_000, async () => !(await storage.increment('ip', 2000, 1, 0, 'auth')).isBlocked);
      });

      it('refuses for blockDuration after going over when that is longer than the window', async () => {
        const storage = new FixedWindowThrottlerStorage(await open());
        await storage.increment('ip', 1000, 1, 0, 'auth');
        const over = await storage.increment('ip', 1000, 1, 120_000, 'auth');
        expect(over.isBlocked).toBe(true);
        expect(over.timeToBlockExpire).toBeGreaterThan(100);
      });

      it('shares one window between the clients of a shared store', async () => {
        if (!adapter.openPeer) return; // one process's own memory: nothing to share
        const [one, two] = [new FixedWindowThrottlerStorage(await open()), new FixedWindowThrottlerStorage(await open(true))];
        const hits = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).increment('shared-ip', 60_000, 6, 0, 'auth')));
        expect(hits.filter((h) => !h.isBlocked)).toHaveLength(6);
        expect((await one.increment('shared-ip', 60_000, 6, 0, 'auth')).isBlocked).toBe(true);
        expect((await two.increment('shared-ip', 60_000, 6, 0, 'auth')).isBlocked).toBe(true);
      });
    });
  });
}
