import { NatsKvLeases } from '@clientele/platform/coordination';
import { SqliteDocumentStore, WriteOp } from '@clientele/platform/document-store';
import { RecordedEvent, SqliteEventStore } from '@clientele/platform/event-store';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { EventProcessor } from './event-processor';
import { ProcessorRunner } from './processor-runner';

/**
 * Two replicas of one processor: each its own connections to the same SQLite files (as two
 * processes of a service share them on one host) and its own leases over the real NATS server.
 */
class Counter implements EventProcessor {
  readonly name = 'counter';
  readonly filter = { streamCategories: ['thing'] };
  handled: string[] = [];

  async handle(event: RecordedEvent): Promise<WriteOp[]> {
    this.handled.push(event.id);
    return [{ op: 'upsert', collection: 'seen', doc: { id: event.id, by: this.replica }, version: event.position }];
  }

  constructor(private readonly replica: string) {}
}

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
// A holder counts its lease for the TTL less the margin after a renewal: room for a worker stalled
// for a second or two on a loaded machine, which would otherwise hand the lease to the other replica.
const timings = { ttlMs: 4000, renewEveryMs: 250, retryEveryMs: 100, safetyMarginMs: 500 };

describe('ProcessorRunner with leases: one active replica, failover, fencing', () => {
  let dir: string;
  let namespace: string;
  const cleanup: Array<() => Promise<unknown>> = [];

  const replica = async (name: string) => {
    const events = new SqliteEventStore({ filename: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    const documents = new SqliteDocumentStore({ filename: join(dir, 'read-models.sqlite') });
    const leases = await NatsKvLeases.connect({ servers, namespace, holderName: name, timings });
    const processor = new Counter(name);
    const leadership: string[] = [];
    const runner = new ProcessorRunner(events, documents, processor, {
      leases,
      retryDelayMs: 50,
      onLeadership: (_, active, detail) => leadership.push(`${active ? 'active' : 'passive'}: ${detail}`),
    });
    cleanup.push(async () => {
      await runner.stop().catch(() => undefined);
      await leases.close().catch(() => undefined);
      await events.close();
      await documents.close();
    });
    return { name, events, documents, leases, processor, runner, leadership };
  };
  type Replica = Awaited<ReturnType<typeof replica>>;
  const append = (r: Replica, n: number) =>
    Promise.all(Array.from({ length: n }, () => r.events.appendToStream(`thing-${randomUUID()}`, [{ id: randomUUID(), type: 'Happened', data: {} }], { expectedRevision: 'no_stream' })));
  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 8000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-leased-runner-'));
    namespace = `runner-${randomUUID().slice(0, 8)}`;
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    rmSync(dir, { recursive: true, force: true });
    const nc = await connect({ servers });
    await (await nc.jetstreamManager()).streams.delete(`KV_${namespace}-leases`).catch(() => undefined);
    await nc.close();
  });

  it('runs the processor in exactly one replica; the other answers waitFor from the shared checkpoint', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    await Promise.all([a.runner.start(), b.runner.start()]);
    await until('one replica is active', () => a.runner.isActive || b.runner.isActive);
    const written = await append(a, 50);
    const last = written.at(-1)!.position;
    await Promise.all([a.runner.waitFor(last), b.runner.waitFor(last)]);
    expect([a.runner.isActive, b.runner.isActive].filter(Boolean)).toHaveLength(1);
    expect(a.processor.handled.length + b.processor.handled.length).toBe(50);
    expect(Math.min(a.processor.handled.length, b.processor.handled.length)).toBe(0);
    expect(await a.documents.collection('seen').count()).toBe(50);
  });

  it('fails over to the other replica when the active one dies, and every event is handled exactly once in the read model', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    await a.runner.start();
    await until('a is active', () => a.runner.isActive);
    await b.runner.start();
    const before = await append(a, 20);
    await a.runner.waitFor(before.at(-1)!.position);
    // a "dies": its NATS connection goes away (no release), so its lease can only run out.
    await (a.leases as unknown as { nc: { close(): Promise<void> } }).nc.close();
    const died = Date.now();
    const during = await append(b, 20);
    await until('b takes over', () => b.runner.isActive, timings.ttlMs + 10_000);
    const takeover = Date.now() - died;
    await b.runner.waitFor(during.at(-1)!.position);
    expect(a.runner.isActive).toBe(false);
    const seen = await b.documents.collection('seen').find({});
    expect(seen).toHaveLength(40);
    // By the lease running out, not by anything slower; generous for a loaded 2-core machine.
    expect(takeover).toBeLessThan(timings.ttlMs + 6000);
    expect(a.leadership).toEqual(expect.arrayContaining([expect.stringMatching(/^active/), expect.stringMatching(/^passive/)]));
  });

  it('never lets a stale holder write: its commit is refused by the fencing token of the new one', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    await a.runner.start();
    await until('a is active', () => a.runner.isActive);
    const first = await append(a, 5);
    await a.runner.waitFor(first.at(-1)!.position);
    const staleToken = (a.runner as unknown as { fence: bigint }).fence;
    // b takes over (a released it, as at a shutdown), then a tries to commit with its old token.
    await a.leases.lease('counter').release();
    await b.runner.start();
    await until('b is active', () => b.runner.isActive);
    const late = await append(b, 3);
    await b.runner.waitFor(late.at(-1)!.position);
    await expect(
      a.documents.commit([
        { op: 'fence', processor: 'counter', token: staleToken },
        { op: 'upsert', collection: 'seen', doc: { id: 'stale', by: 'a' } },
      ]),
    ).rejects.toMatchObject({ name: 'FencedOffError' });
    expect(await a.documents.collection('seen').get('stale')).toBeNull();
    expect(await a.documents.collection('seen').count()).toBe(8);
  });
});
