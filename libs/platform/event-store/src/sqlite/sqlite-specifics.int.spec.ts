import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedEvent } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';

/** What the SQLite adapter promises beyond the shared contract: durability settings and several connections on one file. */
describe('SqliteEventStore specifics', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-es-sqlite-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens its file in WAL mode, a busy timeout and a bounded WAL; the WAL is synced by the store, not inside COMMIT', async () => {
    const filename = join(dir, 'events.sqlite');
    const store = new SqliteEventStore({ filename, busyTimeoutMs: 4321, walSizeLimitBytes: 1_000_000 });
    const db = (store as unknown as { db: Database.Database }).db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL: the store fsyncs the WAL before answering (below)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(4321);
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(1_000_000);
    await store.close();
    const memory = new SqliteEventStore({ filename: ':memory:' });
    expect((memory as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(2); // FULL: no file of ours to sync
    await memory.close();
  });

  describe('durability: an append is answered, and seen, only once its WAL is on disk (issue 23)', () => {
    const event = (type: string) => ({ id: randomUUID(), type, data: { type } });
    /** The WAL's fsyncs, held until the test lets each go. */
    const held = () => {
      const calls: Array<() => void> = [];
      return { calls, fileSync: () => new Promise<void>((resolve) => calls.push(resolve)) };
    };
    const turns = async (n = 5) => {
      for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
    };

    it('answers the append after the fsync, and hides its events from readAll, the head and the subscriptions until then', async () => {
      const { calls, fileSync } = held();
      const store = new SqliteEventStore({ filename: join(dir, 'events.sqlite'), fileSync, pollIntervalMs: 20 });
      const seen: string[] = [];
      const subscription = store.subscribeToAll((e) => void seen.push(e.type));
      let answered = false;
      const append = store.appendToStream('client-1', [event('A')], { expectedRevision: 'no_stream' }).then((r) => ((answered = true), r));
      await turns();
      expect(calls).toHaveLength(1);
      // Committed in the file (a command loading the stream sees it), but not durable yet.
      expect((await store.readStream('client-1')).map((e) => e.type)).toEqual(['A']);
      expect(answered).toBe(false);
      expect(await store.readAll({ after: 0n })).toEqual([]);
      expect(await store.readAll({})).toEqual([]);
      expect(await store.headPosition()).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 60)); // a poll interval or more
      expect(seen).toEqual([]);

      calls[0]();
      const { position } = await append;
      expect(await store.headPosition()).toBe(position);
      expect((await store.readAll({})).map((e) => e.type)).toEqual(['A']);
      const deadline = Date.now() + 5000;
      while (seen.length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(seen).toEqual(['A']);
      await subscription.stop();
      await store.close();
    });

    it('shares one fsync among the appends made while another runs, and keeps the order visible', async () => {
      const { calls, fileSync } = held();
      const store = new SqliteEventStore({ filename: join(dir, 'events.sqlite'), fileSync });
      const first = store.appendToStream('s-1', [event('A')], { expectedRevision: 'no_stream' });
      await turns();
      expect(calls).toHaveLength(1);
      // Three appends in three turns while the first fsync runs.
      const later = [];
      for (const stream of ['s-2', 's-3', 's-4']) {
        later.push(store.appendToStream(stream, [event(stream)], { expectedRevision: 'no_stream' }));
        await turns(1);
      }
      await turns();
      expect(calls).toHaveLength(1);
      calls[0]();
      await first;
      // A is visible; the three behind it wait for the next fsync, which covers them all.
      expect((await store.readAll({})).map((e) => e.type)).toEqual(['A']);
      await turns();
      expect(calls).toHaveLength(2);
      calls[1]();
      await Promise.all(later);
      expect((await store.readAll({})).map((e) => e.type)).toEqual(['A', 's-2', 's-3', 's-4']);
      expect(calls).toHaveLength(2);
      await store.close();
    });

    it('does not let a subscription that reads from memory step past an event still being synced', async () => {
      const { calls, fileSync } = held();
      const store = new SqliteEventStore({ filename: join(dir, 'events.sqlite'), fileSync, pollIntervalMs: 20 });
      // A filter that takes only B: an A in between would let it move past what it scanned.
      const seen: string[] = [];
      const subscription = store.subscribeToAll((e) => void seen.push(e.type), { filter: { eventTypes: ['B'] } });
      const a = store.appendToStream('s-1', [event('A')], { expectedRevision: 'no_stream' });
      await turns();
      calls[0]();
      await a;
      const b = store.appendToStream('s-2', [event('B')], { expectedRevision: 'no_stream' });
      await turns();
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(seen).toEqual([]);
      calls[1]();
      await b;
      const deadline = Date.now() + 5000;
      while (seen.length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(seen).toEqual(['B']);
      await subscription.stop();
      await store.close();
    });

    it('answers the appends of a failed fsync with its error, and still shows the events once a later fsync succeeds', async () => {
      let fail = true;
      const store = new SqliteEventStore({
        filename: join(dir, 'events.sqlite'),
        fileSync: async () => {
          if (fail) throw new Error('EIO: the disk refused the fsync');
        },
      });
      await expect(store.appendToStream('s-1', [event('A')], { expectedRevision: 'no_stream' })).rejects.toThrow('EIO');
      fail = false;
      await store.appendToStream('s-2', [event('B')], { expectedRevision: 'no_stream' });
      expect((await store.readAll({})).map((e) => e.type)).toEqual(['A', 'B']);
      await store.close();
    });
  });

  it('keeps appended events across a reopen of the file', async () => {
    const filename = join(dir, 'events.sqlite');
    const first = new SqliteEventStore({ filename });
    await first.appendToStream('client-1', [{ id: randomUUID(), type: 'ClientAdded', data: { n: 1 } }], { expectedRevision: 'no_stream' });
    await first.close();
    const reopened = new SqliteEventStore({ filename });
    expect((await reopened.readStream('client-1')).map((e) => e.data)).toEqual([{ n: 1 }]);
    await reopened.close();
  });

  it('lets a subscriber on another connection see appends made through this one, and enforces revisions across both', async () => {
    const filename = join(dir, 'events.sqlite');
    const writer = new SqliteEventStore({ filename });
    const other = new SqliteEventStore({ filename, pollIntervalMs: 20 });
    const seen: RecordedEvent[] = [];
    const subscription = other.subscribeToAll((e) => void seen.push(e));
    try {
      await writer.appendToStream('client-1', [{ id: randomUUID(), type: 'A', data: {} }], { expectedRevision: 'no_stream' });
      await expect(
        other.appendToStream('client-1', [{ id: randomUUID(), type: 'B', data: {} }], { expectedRevision: 'no_stream' }),
      ).rejects.toMatchObject({ code: 'concurrency_conflict' });
      const deadline = Date.now() + 3000;
      while (seen.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(seen.map((e) => e.type)).toEqual(['A']);
    } finally {
      await subscription.stop();
      await writer.close();
      await other.close();
    }
  });
  describe('the recent rows the live subscriptions read (issue 23)', () => {
    const event = (type: string) => ({ id: randomUUID(), type, data: { type } });
    /** The statements of the store that `picked` keeps, as it prepares them from now on. */
    const sqlReads = (store: SqliteEventStore, picked = (sql: string) => sql.startsWith('SELECT * FROM events')) => {
      const calls: string[] = [];
      const target = store as unknown as { prepared(sql: string): unknown };
      const original = target.prepared.bind(store);
      target.prepared = (sql: string) => {
        if (picked(sql)) calls.push(sql);
        return original(sql);
      };
      return calls;
    };

    it('answers a caught-up read from memory, with its filter and limit, as SQLite would', async () => {
      const store = new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
      const first = await store.appendToStream('client-1', [event('A')], { expectedRevision: 'no_stream' });
      await store.appendToStream('roster-1', [event('B'), event('C')], { expectedRevision: 'no_stream' });
      await store.appendToStream('client-2', [event('D')], { expectedRevision: 'no_stream' });
      const reads = sqlReads(store);
      const fromMemory = {
        all: (await store.readAll({ after: first.position })).map((e) => e.type),
        clients: (await store.readAll({ after: first.position, filter: { streamCategories: ['client'] } })).map((e) => e.type),
        types: (await store.readAll({ after: first.position, filter: { eventTypes: ['C', 'D'] }, maxCount: 1 })).map((e) => e.type),
        none: (await store.readAll({ after: first.position, filter: { eventTypes: [] } })).map((e) => e.type),
      };
      expect(reads).toEqual([]);
      expect(fromMemory).toEqual({ all: ['B', 'C', 'D'], clients: ['D'], types: ['C'], none: [] });
      // From the start: SQLite, the same events.
      expect((await store.readAll()).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
      expect(reads).toHaveLength(1);
      const [b] = await store.readAll({ after: first.position, maxCount: 1 });
      expect(b).toMatchObject({ type: 'B', streamName: 'roster-1', revision: 0, data: { type: 'B' } });
      expect(b.recordedAt).toBeInstanceOf(Date);
      await store.close();
    });

    it("moves a filtered subscription past the events it does not take, so that it reads the recent rows, not SQLite", async () => {
      // Written before this connection opened: its recent rows start after them.
      const earlier = new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
      await earlier.appendToStream('account-1', [event('Opened')], { expectedRevision: 'no_stream' });
      await earlier.appendToStream('client-old', [event('ClientAdded'), event('ClientAdded')], { expectedRevision: 'no_stream' });
      await earlier.close();
      const store = new SqliteEventStore({ filename: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
      const seen: string[] = [];
      const subscription = store.subscribeToAll((e) => void seen.push(e.type), { filter: { streamCategories: ['account'] } });
      const waitFor = async (count: number) => {
        for (const deadline = Date.now() + 5000; seen.length < count && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
      };
      await waitFor(1);
      const reads = sqlReads(store);
      for (let i = 0; i < 20; i++) await store.appendToStream(`client-${i}`, [event('ClientAdded')], { expectedRevision: 'no_stream' });
      await store.appendToStream('account-1', [event('Renamed')], { expectedRevision: 0 });
      await waitFor(2);
      expect(seen).toEqual(['Opened', 'Renamed']);
      // At most the first read after the swap to the recent rows asks SQLite; without moving past others' events, every append would.
      expect(reads.length).toBeLessThanOrEqual(1);
      await subscription.stop();
      await store.close();
    });

    it("asks SQLite's data_version once for the reads of one turn, and finds another connection's commit at the next turn", async () => {
      const filename = join(dir, 'events.sqlite');
      const store = new SqliteEventStore({ filename });
      const other = new SqliteEventStore({ filename });
      const first = await store.appendToStream('client-1', [event('A')], { expectedRevision: 'no_stream' });
      await store.appendToStream('client-2', [event('B')], { expectedRevision: 'no_stream' });
      await new Promise((resolve) => setImmediate(resolve));
      const versionReads = sqlReads(store, (sql) => sql.includes('data_version'));
      // Ten subscriptions reading after one append, in one turn.
      const reads = await Promise.all(Array.from({ length: 10 }, () => store.readAll({ after: first.position })));
      expect(reads.map((events) => events.map((e) => e.type))).toEqual(Array.from({ length: 10 }, () => ['B']));
      expect(versionReads).toHaveLength(1);
      await other.appendToStream('client-3', [event('C')], { expectedRevision: 'no_stream' });
      expect((await store.readAll({ after: first.position })).map((e) => e.type)).toEqual(['B', 'C']);
      await Promise.all([store.close(), other.close()]);
    });

    it('never misses what another connection wrote, and leaves out an append that was refused', async () => {
      const filename = join(dir, 'events.sqlite');
      const store = new SqliteEventStore({ filename });
      const other = new SqliteEventStore({ filename });
      const first = await store.appendToStream('client-1', [event('A')], { expectedRevision: 'no_stream' });
      await other.appendToStream('client-2', [event('B')], { expectedRevision: 'no_stream' });
      // In one group: one refused (wrong revision), one taken.
      const [refused, taken] = await Promise.allSettled([
        store.appendToStream('client-1', [event('X')], { expectedRevision: 'no_stream' }),
        store.appendToStream('client-3', [event('C')], { expectedRevision: 'no_stream' }),
      ]);
      expect(refused.status).toBe('rejected');
      expect(taken.status).toBe('fulfilled');
      expect((await store.readAll({ after: first.position })).map((e) => e.type)).toEqual(['B', 'C']);
      await other.appendToStream('client-4', [event('D')], { expectedRevision: 'no_stream' });
      expect((await store.readAll({ after: first.position })).map((e) => e.type)).toEqual(['B', 'C', 'D']);
      await store.deleteStream('client-3');
      expect((await store.readAll({ after: first.position })).map((e) => e.type)).toEqual(['B', 'D']);
      await Promise.all([store.close(), other.close()]);
    });
  });
});
