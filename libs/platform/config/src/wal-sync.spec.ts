import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSY_SHARE, CALM_AFTER, PROBE_EVERY, WalSync } from './wal-sync';

/** An fsync held by the test: each call waits until the test lets it go. */
function heldSyncs() {
  const calls: Array<{ fd: number; release(): void; fail(error: Error): void }> = [];
  const fileSync = (fd: number) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ fd, release: resolve, fail: reject });
    });
  return { calls, fileSync };
}

const settled = async <T>(promise: Promise<T>) => {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe('WalSync: group commit with the fsync off the event loop', () => {
  let dir: string;
  let db: Database.Database;
  let filename: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-wal-sync-'));
    filename = join(dir, 'file.sqlite');
    db = new Database(filename);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (n INTEGER)');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a sync only when the fsync of the WAL file is done', async () => {
    const { calls, fileSync } = heldSyncs();
    const wal = new WalSync(filename, { fileSync });
    const sync = wal.sync();
    await settled(sync);
    expect(calls).toHaveLength(1);
    expect(await settled(sync)).toBe('pending');
    calls[0].release();
    expect(await settled(sync)).toBe('resolved');
    await wal.close();
  });

  it('makes the callers that ask while an fsync runs share the next one (it may have started before their commit)', async () => {
    const { calls, fileSync } = heldSyncs();
    const wal = new WalSync(filename, { fileSync });
    const first = wal.sync();
    await settled(first);
    const during = [wal.sync(), wal.sync(), wal.sync()];
    expect(calls).toHaveLength(1);
    calls[0].release();
    expect(await settled(first)).toBe('resolved');
    // Not answered by the fsync that was running when they asked: a second one starts for all three.
    expect(await Promise.all(during.map(settled))).toEqual(['pending', 'pending', 'pending']);
    expect(calls).toHaveLength(2);
    calls[1].release();
    expect(await Promise.all(during.map(settled))).toEqual(['resolved', 'resolved', 'resolved']);
    await wal.close();
  });

  it('rejects the callers of an fsync that failed, and the next one starts afresh', async () => {
    const { calls, fileSync } = heldSyncs();
    const wal = new WalSync(filename, { fileSync });
    const failing = wal.sync();
    await settled(failing);
    calls[0].fail(new Error('EIO'));
    await expect(failing).rejects.toThrow('EIO');
    const next = wal.sync();
    await settled(next);
    calls[1].release();
    await expect(next).resolves.toBeUndefined();
    await wal.close();
  });

  it('syncs the WAL file itself, for real', async () => {
    const wal = new WalSync(filename);
    db.prepare('INSERT INTO t VALUES (1)').run();
    await expect(wal.sync()).resolves.toBeUndefined();
    expect(() => wal.syncNow()).not.toThrow();
    await wal.close();
  });

  it('waits at close for the fsyncs asked for, and answers them', async () => {
    const { calls, fileSync } = heldSyncs();
    const wal = new WalSync(filename, { fileSync });
    const running = wal.sync();
    await settled(running);
    const queued = wal.sync();
    const closed = wal.close();
    expect(await settled(closed)).toBe('pending');
    calls[0].release();
    await settled(running);
    calls[1].release();
    await expect(Promise.all([running, queued, closed])).resolves.toBeDefined();
  });

  it('has nothing to sync for a database without a file', () => {
    expect(WalSync.needed(':memory:')).toBe(false);
    expect(WalSync.needed('')).toBe(false);
    expect(WalSync.needed(filename)).toBe(true);
  });

  describe('adaptive: inline while the event loop has nothing else to do', () => {
    /** The share of a thread sync's wait the loop spent on other work, as the spec sets it. */
    const busy = { share: 0 };
    beforeEach(() => (busy.share = 0));
    /** Both ways of syncing, watched: `inline` as the caller's own thread would, `calls` held as the thread's. */
    const adaptive = () => {
      const held = heldSyncs();
      const inline: number[] = [];
      const wal = new WalSync(filename, { fileSync: held.fileSync, inlineSync: (fd) => inline.push(fd), loopWindow: () => () => busy.share });
      db.prepare('INSERT INTO t VALUES (1)').run();
      return { wal, inline, calls: held.calls };
    };
    /** One caller at a time: each waits for its sync before the next, releasing the thread's when one is asked. */
    const alone = async (wal: WalSync, calls: ReturnType<typeof heldSyncs>['calls'], count: number) => {
      for (let i = 0; i < count; i++) {
        const before = calls.length;
        const sync = wal.sync();
        await settled(sync);
        if (calls.length > before) calls[calls.length - 1].release();
        await sync;
      }
    };

    it('syncs a lone caller on its own thread, at once, and probes the thread once in PROBE_EVERY', async () => {
      const { wal, inline, calls } = adaptive();
      const first = wal.sync();
      expect(inline).toHaveLength(1);
      await expect(first).resolves.toBeUndefined();
      await alone(wal, calls, PROBE_EVERY * 3 - 1);
      expect(calls).toHaveLength(3);
      expect(inline).toHaveLength(PROBE_EVERY * 3 - 3);
      expect(wal.mode).toBe('inline');
      await wal.close();
    });

    it('moves to shared thread syncs once a probe sees another commit overlap it, and back inline after CALM_AFTER calm ones', async () => {
      const { wal, inline, calls } = adaptive();
      await alone(wal, calls, PROBE_EVERY - 1);
      expect(calls).toHaveLength(0);
      const probe = wal.sync();
      expect(calls).toHaveLength(1);
      const overlapping = [wal.sync(), wal.sync()];
      calls[0].release();
      await probe;
      await settled(overlapping[0]);
      expect(calls).toHaveLength(2);
      calls[1].release();
      await Promise.all(overlapping);
      expect(wal.mode).toBe('thread');
      const inlineSoFar = inline.length;
      // The sync the two overlapping callers shared was itself calm: the first of CALM_AFTER.
      await alone(wal, calls, CALM_AFTER - 2);
      expect(wal.mode).toBe('thread');
      await alone(wal, calls, 1);
      expect(wal.mode).toBe('inline');
      expect(calls).toHaveLength(1 + CALM_AFTER);
      expect(inline).toHaveLength(inlineSoFar);
      await alone(wal, calls, 1);
      expect(inline).toHaveLength(inlineSoFar + 1);
      await wal.close();
    });

    it('moves to thread syncs once a probe finds the loop busy with other work meanwhile, though no other commit overlapped', async () => {
      const { wal, inline, calls } = adaptive();
      busy.share = BUSY_SHARE;
      await alone(wal, calls, PROBE_EVERY);
      expect(calls).toHaveLength(1);
      expect(wal.mode).toBe('thread');
      await alone(wal, calls, 3);
      expect(calls).toHaveLength(4);
      expect(inline).toHaveLength(PROBE_EVERY - 1);
      // The loop idle again while the thread syncs: the hop buys nothing, back inline.
      busy.share = BUSY_SHARE / 2;
      await alone(wal, calls, CALM_AFTER);
      expect(wal.mode).toBe('inline');
      await wal.close();
    });

    it('syncs inline for real while alone, and on the fsync thread for real while the loop is busy with other work', async () => {
      const wal = new WalSync(filename);
      const syncs = async (count: number) => {
        for (let i = 0; i < count; i++) {
          db.prepare('INSERT INTO t VALUES (?)').run(i);
          await wal.sync();
        }
      };
      await syncs(PROBE_EVERY * 2);
      // Alone: inline. A collection's pause (or the machine's) during a probe can make the loop look
      // busy and move it to the thread for a while: wait for it to come back, within a bound.
      for (let settling = 0; wal.mode === 'thread' && settling < CALM_AFTER * 20; settling++) await syncs(1);
      expect(wal.mode).toBe('inline');
      // Other work on the loop: a turn that keeps the processor for 1 ms, again and again.
      let spinning = true;
      let stopped!: () => void;
      const spinnerStopped = new Promise<void>((resolve) => (stopped = resolve));
      const spin = () => {
        for (const until = performance.now() + 1; performance.now() < until; );
        if (spinning) setImmediate(spin);
        else stopped();
      };
      setImmediate(spin);
      await syncs(PROBE_EVERY);
      spinning = false;
      await spinnerStopped;
      expect(wal.mode).toBe('thread');
      // Alone again: back inline after CALM_AFTER calm syncs in a row (a collection's pause may
      // make one look busy and start the count again, so this waits for it, within a bound).
      let calmSyncs = 0;
      while (wal.mode === 'thread' && calmSyncs < CALM_AFTER * 20) {
        await syncs(1);
        calmSyncs++;
      }
      expect(wal.mode).toBe('inline');
      expect(calmSyncs).toBeGreaterThanOrEqual(CALM_AFTER);
      await wal.close();
    });

    it('rejects a caller whose inline fsync failed, and stays usable', async () => {
      let failing = true;
      const wal = new WalSync(filename, { fileSync: heldSyncs().fileSync, inlineSync: () => {
          if (failing) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
        },
      });
      db.prepare('INSERT INTO t VALUES (1)').run();
      await expect(wal.sync()).rejects.toThrow('EIO');
      failing = false;
      await expect(wal.sync()).resolves.toBeUndefined();
      await wal.close();
    });

    it('never syncs inline for a spec that holds the thread without giving an inline sync', async () => {
      const { calls, fileSync } = heldSyncs();
      const wal = new WalSync(filename, { fileSync });
      expect(wal.mode).toBe('thread');
      const sync = wal.sync();
      await settled(sync);
      expect(calls).toHaveLength(1);
      calls[0].release();
      await sync;
      await wal.close();
    });
  });
});
