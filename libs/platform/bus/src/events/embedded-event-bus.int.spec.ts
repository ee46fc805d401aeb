import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IntegrationEvent } from '../bus.port';
import { eventBusContract } from '../testing/event-bus.contract';
import { EmbeddedEventBus } from './embedded-event-bus';

const dir = mkdtempSync(join(tmpdir(), 'clientele-bus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ev = (subject: string): IntegrationEvent => ({ id: randomUUID(), subject, occurredAt: new Date().toISOString(), data: {}, metadata: { correlationId: 'c' } });
/** Waits for a condition (never a fixed sleep), for up to `timeoutMs`. */
const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  for (const deadline = Date.now() + timeoutMs; !(await check()); ) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

eventBusContract('in-process (embedded SQLite log)', { open: async () => new EmbeddedEventBus({ filename: join(dir, 'bus.sqlite') }) });

describe('EmbeddedEventBus: consumers that take some subjects only', () => {

  it('steps over long runs of other subjects (more than a page), delivers its own in order, and keeps its place across a restart', async () => {
    const filename = join(dir, 'subjects.sqlite');
    const bus = new EmbeddedEventBus({ filename });
    await bus.publishMany(Array.from({ length: 1_200 }, () => ev('src.client.type-changed.v1')));
    await bus.publish(ev('src.client.deleted.v1'));
    await bus.publishMany(Array.from({ length: 600 }, () => ev('src.client.type-changed.v1')));
    await bus.publish(ev('src.client.deleted.v1'));
    const received: string[] = [];
    let consumer = await bus.consume({ durableName: 'picky', sourceService: 'src', subjects: ['src.client.deleted.v1'] }, async (e) => void received.push(e.subject));
    // A pattern with a wildcard is matched in JavaScript, over pages of every subject.
    const wild: string[] = [];
    const wildConsumer = await bus.consume({ durableName: 'picky-wild', sourceService: 'src', subjects: ['src.*.deleted.*'] }, async (e) => void wild.push(e.subject));
    await until(() => received.length === 2 && wild.length === 2);
    // The cursor is past everything read, the other subjects included.
    const reader = new Database(filename, { readonly: true });
    const cursor = (name: string) => reader.prepare<[string], { cursor: number }>('SELECT cursor FROM consumers WHERE durable_name = ?').get(name)!.cursor;
    await until(() => cursor('picky') === 1_802 && cursor('picky-wild') === 1_802);
    reader.close();
    await wildConsumer.stop();
    await consumer.stop();
    await bus.close();

    const reopened = new EmbeddedEventBus({ filename });
    consumer = await reopened.consume({ durableName: 'picky', sourceService: 'src', subjects: ['src.client.deleted.v1'] }, async (e) => void received.push(e.subject));
    await reopened.publishMany([ev('src.client.type-changed.v1'), ev('src.client.deleted.v1')]);
    await until(() => received.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual(['src.client.deleted.v1', 'src.client.deleted.v1', 'src.client.deleted.v1']);
    await consumer.stop();
    await reopened.close();
  });
});

describe('EmbeddedEventBus: dead letters handed back from another process', () => {

  it('a busy consumer delivers a retry asked for by another connection (the ops tool) within seconds, and one asked for here at once', async () => {
    const filename = join(dir, `retry-elsewhere-${randomUUID()}.sqlite`);
    const bus = new EmbeddedEventBus({ filename });
    const ops = new EmbeddedEventBus({ filename });
    const broken = new Set<string>();
    const seen: string[] = [];
    const consumer = await bus.consume({ durableName: 'fragile', sourceService: 'src', retryDelaysMs: [10], maxDeliveries: 2 }, async (e) => {
      if (broken.has(e.id)) throw new Error('broken for now');
      seen.push(e.id);
    });
    // Keeps the consumer busy (a message every few milliseconds, fewer than it can take), so that
    // it never waits the full poll interval with nothing to do while the retry is asked for.
    let publishing = true;
    const traffic = (async () => {
      while (publishing) {
        await bus.publish(ev('src.client.type-changed.v1'));
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    })();
    try {
      const poison = ev('src.client.added.v1');
      broken.add(poison.id);
      await bus.publish(poison);
      await until(async () => (await ops.deadLetters.list('fragile')).length === 1);
      broken.delete(poison.id);
      const [letter] = await ops.deadLetters.list('fragile');
      await expect(ops.deadLetters.retry(letter.id)).resolves.toBe(true);
      await until(() => seen.includes(poison.id), 5_000);

      // Asked for in this process: the consumer is told, and takes it before its next message.
      const second = ev('src.client.added.v1');
      broken.add(second.id);
      await bus.publish(second);
      await until(async () => (await bus.deadLetters.list('fragile')).length === 1);
      broken.delete(second.id);
      await expect(bus.deadLetters.retry((await bus.deadLetters.list('fragile'))[0].id)).resolves.toBe(true);
      await until(() => seen.includes(second.id), 5_000);
    } finally {
      publishing = false;
      await traffic;
      await consumer.stop();
      await ops.close();
      await bus.close();
    }
  });
});

describe('EmbeddedEventBus: publishing', () => {

  it('writes the publishes asked for in one turn in one transaction, every one of them before it answers', async () => {
    const filename = join(dir, `grouped-${randomUUID()}.sqlite`);
    const bus = new EmbeddedEventBus({ filename });
    await bus.publish(ev('src.client.added.v1'));
    // Start from an empty write-ahead log, so its frames count this test's transactions.
    const other = new Database(filename);
    other.pragma('wal_checkpoint(TRUNCATE)');
    // Twenty outbox relays publishing in the same turn.
    await Promise.all(Array.from({ length: 20 }, (_, i) => bus.publishMany([ev(`src${i % 4}.client.added.v1`), ev(`src${i % 4}.client.deleted.v1`)])));
    expect(other.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM messages').get()!.n).toBe(41);
    // Twenty transactions would write the messages' pages twenty times (40+ frames); one writes them once.
    const frames = (statSync(`${filename}-wal`).size - 32) / (4096 + 24);
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThan(12);
    other.close();
    await bus.close();
  });

  it('answers a publish only once the WAL holding it is fsynced, and shares that fsync with the publishes made meanwhile (issue 23)', async () => {
    const filename = join(dir, `synced-${randomUUID()}.sqlite`);
    const calls: Array<() => void> = [];
    const bus = new EmbeddedEventBus({ filename, fileSync: () => new Promise<void>((resolve) => calls.push(resolve)) });
    const turns = async () => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    let answered = 0;
    const first = bus.publish(ev('src.client.added.v1')).then(() => answered++);
    await turns();
    expect(calls).toHaveLength(1);
    expect(answered).toBe(0);
    // Written already (the same WAL as the consumers' cursors), answered after the fsync only.
    const reader = new Database(filename, { readonly: true });
    expect(reader.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM messages').get()!.n).toBe(1);
    const later = [bus.publish(ev('src.client.added.v1')).then(() => answered++)];
    await turns();
    later.push(bus.publish(ev('src.client.added.v1')).then(() => answered++));
    await turns();
    calls[0]();
    await first;
    await turns();
    expect(answered).toBe(1);
    expect(calls).toHaveLength(2);
    calls[1]();
    await Promise.all(later);
    expect(answered).toBe(3);
    reader.close();
    await bus.close();
  });

  it('writes a publish still waiting for its turn before it closes', async () => {
    const filename = join(dir, `closing-${randomUUID()}.sqlite`);
    const bus = new EmbeddedEventBus({ filename });
    const published = bus.publish(ev('src.client.added.v1'));
    await bus.close();
    await expect(published).resolves.toBeUndefined();
    const reader = new Database(filename, { readonly: true });
    expect(reader.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM messages').get()!.n).toBe(1);
    reader.close();
  });
});

describe('EmbeddedEventBus: a consumer\'s bookkeeping (issue 23)', () => {
  /** Frames in the write-ahead log: a one-page UPDATE commits one. */
  const walFrames = (filename: string) => (statSync(`${filename}-wal`).size - 32) / (4096 + 24);

  it('writes once per delivery: the ack of a message rides on the mark of the next', async () => {
    const filename = join(dir, `one-write-${randomUUID()}.sqlite`);
    const bus = new EmbeddedEventBus({ filename });
    await bus.publishMany(Array.from({ length: 100 }, () => ev('src.client.added.v1')));
    // Start from an empty write-ahead log, so that its frames count the consumer's writes.
    const other = new Database(filename);
    other.pragma('wal_checkpoint(TRUNCATE)');
    let handled = 0;
    const consumer = await bus.consume({ durableName: 'steady', sourceService: 'src' }, async () => void handled++);
    await until(() => handled === 100);
    // One frame per delivery, and the consumer's new row (its table and key pages). Two writes per
    // delivery (mark, then ack) made 200 and more.
    expect(walFrames(filename)).toBeLessThanOrEqual(110);
    await consumer.stop();
    // Stopping writes the last ack: nothing is in hand, the cursor is past the hundredth.
    expect(other.prepare<[], { cursor: number; pending_seq: number | null }>("SELECT cursor, pending_seq FROM consumers WHERE durable_name = 'steady'").get()).toEqual({
      cursor: 100,
      pending_seq: null,
    });
    other.close();
    await bus.close();
  });

  it('reads the log for a publish of a subject it takes, not for every publish of its source service', async () => {
    const filename = join(dir, `woken-${randomUUID()}.sqlite`);
    const bus = new EmbeddedEventBus({ filename });
    const received: string[] = [];
    const consumer = await bus.consume({ durableName: 'rare', sourceService: 'src', subjects: ['src.client.deleted.v1'] }, async (e) => void received.push(e.id));
    // Every statement of every connection goes through these prototypes: count the log's page reads.
    const probe = new Database(':memory:');
    const prototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as { all: (...args: unknown[]) => unknown[] };
    probe.close();
    const all = prototype.all;
    let pageReads = 0;
    prototype.all = function (this: { source: string }, ...args: unknown[]) {
      if (this.source.includes('FROM messages WHERE service = ? AND seq > ?')) pageReads++;
      return all.apply(this, args);
    };
    try {
      const started = Date.now();
      for (let i = 0; i < 50; i++) await bus.publish(ev('src.client.type-changed.v1'));
      // Woken by each of them, it read the log at least 50 times; now only its once-a-second look
      // (counted for the time the publishes took: each waits for a real fsync, slow on a loaded disk).
      expect(pageReads).toBeLessThan(4 + Math.ceil((Date.now() - started) / 1000));
      const deleted = ev('src.client.deleted.v1');
      await bus.publish(deleted);
      await until(() => received.length === 1);
      expect(received).toEqual([deleted.id]);
    } finally {
      prototype.all = all;
      await consumer.stop();
      await bus.close();
    }
  });

  it('counts a delivery the process never finished (a crash mid-handling) when the message comes again', async () => {
    const filename = join(dir, `crash-${randomUUID()}.sqlite`);
    const crashed = new EmbeddedEventBus({ filename });
    await crashed.publishMany([ev('src.client.added.v1'), ev('src.client.added.v1')]);
    const counts: number[] = [];
    let hang: () => void = () => undefined;
    const stuck = await crashed.consume({ durableName: 'fragile', sourceService: 'src' }, async (_event, { deliveryCount }) => {
      counts.push(deliveryCount);
      // The first message is handled; the second never returns: the process "dies" there.
      if (counts.length === 2) await new Promise<void>((resolve) => (hang = resolve));
    });
    await until(() => counts.length === 2);

    // What a restarted process finds in the file: the first acked, the second in hand once.
    const restarted = new EmbeddedEventBus({ filename });
    const again: Array<{ id: string; deliveryCount: number }> = [];
    const consumer = await restarted.consume({ durableName: 'fragile', sourceService: 'src' }, async (event, { deliveryCount }) => void again.push({ id: event.id, deliveryCount }));
    await until(() => again.length === 1);
    expect(again[0].deliveryCount).toBe(2);
    await consumer.stop();
    hang();
    await stuck.stop();
    await restarted.close();
    await crashed.close();
  });
});
