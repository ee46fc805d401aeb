import { SqliteDocumentStore, WriteOp } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { randomUUID } from 'node:crypto';
import { EventProcessor } from './event-processor';
import { OutboxRelay } from './outbox-relay';
import { ProcessorRunner } from './processor-runner';

/** A projection of `thing` streams that waits at its first event until released. */
class HeldProjection implements EventProcessor {
  readonly name = 'held_things';
  readonly filter = { streamCategories: ['thing'] };
  release!: () => void;
  private readonly held = new Promise<void>((resolve) => (this.release = resolve));
  private first = true;

  async handle(): Promise<WriteOp[]> {
    if (this.first) await this.held;
    this.first = false;
    return [];
  }
}

describe('ProcessorRunner: what it tells the metrics (real SQLite stores)', () => {
  let events: SqliteEventStore;
  let documents: SqliteDocumentStore;
  const runners: ProcessorRunner[] = [];
  const append = (stream: string, count: number) =>
    events.appendToStream(stream, Array.from({ length: count }, () => ({ id: randomUUID(), type: 'Happened', data: {} })), { expectedRevision: 'any' });
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (const deadline = Date.now() + 10_000; !(await check()); ) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  beforeEach(() => {
    events = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 20 });
    documents = new SqliteDocumentStore({ filename: ':memory:' });
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await events.close();
    await documents.close();
  });

  it('counts the events of its filter after its position, up to a limit, back to 0 once it caught up', async () => {
    await append('thing-1', 4);
    await append('other-1', 3); // not its filter's: never its backlog
    const projection = new HeldProjection();
    const runner = new ProcessorRunner(events, documents, projection);
    runners.push(runner);
    expect(await runner.backlog(1000)).toBeNull(); // not running
    await runner.start();
    // Held at the first of its four events: all four are still to handle.
    expect(await runner.backlog(1000)).toBe(4);
    expect(await runner.backlog(2)).toBe(2);
    projection.release();
    await until('caught up', async () => (await runner.backlog(1000)) === 0);
    await append('thing-2', 1);
    await append('other-2', 5);
    await until('caught up again', async () => (await runner.backlog(1000)) === 0);
    await runner.stop();
    expect(await runner.backlog(1000)).toBeNull();
  });

  it('is found over its own event store while it runs, and says whether it is an outbox relay', async () => {
    const elsewhere = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 20 });
    const projection = new ProcessorRunner(events, documents, new HeldProjection());
    const outbox = new ProcessorRunner(events, documents, new OutboxRelay({ publish: async () => undefined, publishMany: async () => undefined }, () => null, 'things_outbox'));
    runners.push(projection, outbox);
    expect(ProcessorRunner.runningOver(events)).toEqual([]);
    await projection.start();
    await outbox.start();
    expect(ProcessorRunner.runningOver(events).map((runner) => [runner.name, runner.relaysOutbox, runner.isActive, runner.leased])).toEqual([
      ['held_things', false, true, false],
      ['things_outbox', true, true, false],
    ]);
    expect(ProcessorRunner.runningOver(elsewhere)).toEqual([]);
    await outbox.stop();
    expect(ProcessorRunner.runningOver(events).map((runner) => runner.name)).toEqual(['held_things']);
    await elsewhere.close();
  });
});
