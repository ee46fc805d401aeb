import { UnavailableError } from '@clientele/platform/core';
import { SqliteDocumentStore, SwapInProgressError, WriteOp } from '@clientele/platform/document-store';
import { RecordedEvent, SqliteEventStore } from '@clientele/platform/event-store';
import { currentCorrelation } from '@clientele/platform/logging';
import { applyTwice } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { EventProcessor } from './event-processor';
import { ProcessorRunner } from './processor-runner';

/** Counts events per stream: a stand-in for a real projection, guarded by the stream revision. */
class EventsPerStream implements EventProcessor {
  readonly name = 'events_per_stream';
  readonly filter = { streamCategories: ['thing'] };
  failNext = 0;
  handled = 0;

  async handle(event: RecordedEvent): Promise<WriteOp[]> {
    this.handled++;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('projection failed');
    }
    return [{ op: 'upsert', collection: 'counts', doc: { id: event.streamName, events: event.revision + 1, lastType: event.type }, version: event.revision }];
  }
}

describe('ProcessorRunner (real SQLite event and document stores)', () => {
  let events: SqliteEventStore;
  let documents: SqliteDocumentStore;
  let runner: ProcessorRunner | undefined;
  const append = (stream: string, types: string[]) =>
    events.appendToStream(stream, types.map((type) => ({ id: randomUUID(), type, data: {} })), { expectedRevision: 'any' });

  beforeEach(() => {
    events = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 20 });
    documents = new SqliteDocumentStore({ filename: ':memory:' });
  });
  afterEach(async () => {
    await runner?.stop();
    await events.close();
    await documents.close();
  });

  it('commits read models and the checkpoint together, and catches up then follows live', async () => {
    await append('thing-1', ['A', 'B']);
    await append('other-1', ['Ignored']);
    runner = new ProcessorRunner(events, documents, new EventsPerStream());
    await runner.start();
    const live = await append('thing-1', ['C']);
    await runner.waitFor(live.position);
    expect(await documents.collection('counts').get('thing-1')).toEqual({ id: 'thing-1', events: 3, lastType: 'C' });
    expect(await documents.getCheckpoint('events_per_stream')).toBe(live.position);
  });

  it('resumes after a restart from its checkpoint without handling anything twice', async () => {
    const processor = new EventsPerStream();
    await append('thing-1', ['A']);
    runner = new ProcessorRunner(events, documents, processor);
    await runner.start();
    await runner.waitFor((await events.readAll()).at(-1)!.position);
    await runner.stop();

    const later = await append('thing-2', ['B']);
    runner = new ProcessorRunner(events, documents, processor);
    await runner.start();
    await runner.waitFor(later.position);
    expect(processor.handled).toBe(2);
  });

  it('retries from the checkpoint after a failure: nothing is skipped', async () => {
    const processor = new EventsPerStream();
    processor.failNext = 2;
    const errors: unknown[] = [];
    const written = await append('thing-1', ['A', 'B']);
    runner = new ProcessorRunner(events, documents, processor, { retryDelayMs: 20, onError: (e) => errors.push(e) });
    await runner.start();
    await runner.waitFor(written.position);
    expect(errors).toHaveLength(2);
    expect(await documents.collection('counts').get('thing-1')).toMatchObject({ events: 2, lastType: 'B' });
  });

  it('a projection guarded by revision gives the same read models when every event is applied twice', async () => {
    await append('thing-1', ['A', 'B']);
    await append('thing-2', ['C']);
    const { once, twice } = await applyTwice(documents, new EventsPerStream(), await events.readAll(), ['counts']);
    expect(twice).toEqual(once);
    expect((once as { counts: unknown[] }).counts).toHaveLength(2);
  });

  it('handles each event within the correlation id of the command that caused it', async () => {
    const correlations: Array<string | undefined> = [];
    const processor: EventProcessor = {
      name: 'correlated',
      handle: async () => {
        correlations.push(currentCorrelation()?.correlationId);
        return [];
      },
    };
    const written = await events.appendToStream('thing-9', [{ id: randomUUID(), type: 'A', data: {}, metadata: { correlationId: 'req-7' } }], {
      expectedRevision: 'no_stream',
    });
    runner = new ProcessorRunner(events, documents, processor);
    await runner.start();
    await runner.waitFor(written.position);
    expect(correlations).toEqual(['req-7']);
  });

  it('saves the checkpoint of events that needed no writes shortly after, and on stop', async () => {
    const quiet: EventProcessor = { name: 'quiet', handle: async () => [] };
    runner = new ProcessorRunner(events, documents, quiet, { checkpointEveryMs: 50 });
    await runner.start();
    const written = await append('thing-1', ['A', 'B']);
    await runner.waitFor(written.position);
    expect(await documents.getCheckpoint('quiet')).toBeNull();
    await new Promise((r) => setTimeout(r, 120));
    expect(await documents.getCheckpoint('quiet')).toBe(written.position);
    const later = await append('thing-1', ['C']);
    await runner.waitFor(later.position);
    await runner.stop();
    expect(await documents.getCheckpoint('quiet')).toBe(later.position);
  });

  it('hands batches, in order, to a processor that takes them, and starts over after a failed batch', async () => {
    const seen: string[][] = [];
    let failOnce = true;
    const batcher: EventProcessor = {
      name: 'batcher',
      handle: async () => [],
      handleBatch: async (batch) => {
        if (failOnce && batch.length > 1) {
          failOnce = false;
          throw new Error('publish failed');
        }
        seen.push(batch.map((e) => e.type));
        return [];
      },
    };
    const errors: unknown[] = [];
    await append('thing-1', Array.from({ length: 150 }, (_, i) => `E${i}`));
    runner = new ProcessorRunner(events, documents, batcher, { retryDelayMs: 20, onError: (e) => errors.push(e) });
    await runner.start();
    const last = await append('thing-2', ['Last']);
    await runner.waitFor(last.position, 5000);
    await runner.stop();
    const handled = seen.flat();
    expect(errors).toHaveLength(1);
    expect(handled).toEqual([...Array.from({ length: 150 }, (_, i) => `E${i}`), 'Last']);
    expect(Math.max(...seen.map((b) => b.length))).toBeLessThanOrEqual(100);
    expect(await documents.getCheckpoint('batcher')).toBe(last.position);
  });

  it('does not keep a waiter waiting for events outside its filter', async () => {
    runner = new ProcessorRunner(events, documents, new EventsPerStream());
    await runner.start();
    const elsewhere = await append('other-1', ['NotMine']);
    await expect(runner.waitFor(elsewhere.position, 1000)).resolves.toBeUndefined();
  });

  it('keeps trying when its checkpoint cannot be read, then catches up', async () => {
    const errors: unknown[] = [];
    let failures = 2;
    const flaky = Object.create(documents) as SqliteDocumentStore;
    flaky.getCheckpoint = async (name: string) => {
      if (failures-- > 0) throw new Error('store unreachable');
      return documents.getCheckpoint(name);
    };
    const written = await append('thing-1', ['A']);
    runner = new ProcessorRunner(events, flaky, new EventsPerStream(), { retryDelayMs: 20, onError: (e) => errors.push(e) });
    await runner.start();
    await runner.waitFor(written.position, 3000);
    expect(errors).toHaveLength(2);
    expect(await documents.collection('counts').get('thing-1')).toMatchObject({ events: 1 });
  });

  it('waits quietly while a rebuild swaps its collections in, then replays what the refused commits held', async () => {
    const errors: unknown[] = [];
    let refusals = 3;
    // The store refuses commits as MongoDB's does while a swap fences the live checkpoints.
    const swapping = Object.create(documents) as SqliteDocumentStore;
    swapping.commit = async (ops: readonly WriteOp[]) => {
      if (refusals > 0) {
        refusals--;
        throw new SwapInProgressError('events_per_stream');
      }
      return documents.commit(ops);
    };
    const written = await append('thing-1', ['A', 'B']);
    runner = new ProcessorRunner(events, swapping, new EventsPerStream(), { retryDelayMs: 20, onError: (e) => errors.push(e) });
    await runner.start();
    await runner.waitFor(written.position, 3000);
    expect(refusals).toBe(0);
    expect(errors).toEqual([]);
    expect(runner.failures?.consecutiveFailures).toBe(0);
    expect(await documents.collection('counts').get('thing-1')).toMatchObject({ events: 2, lastType: 'B' });
  });

  it('commits nothing after stop, even when started again at once', async () => {
    const processor = new EventsPerStream();
    runner = new ProcessorRunner(events, documents, processor);
    await runner.start();
    await runner.stop();
    await runner.start();
    const written = await append('thing-1', ['A', 'B']);
    await runner.waitFor(written.position);
    await new Promise((r) => setTimeout(r, 100));
    expect(processor.handled).toBe(2);
  });

  it('times out waiting for a position it cannot reach', async () => {
    const processor = new EventsPerStream();
    processor.failNext = 1000;
    const written = await append('thing-1', ['A']);
    runner = new ProcessorRunner(events, documents, processor, { retryDelayMs: 10 });
    await runner.start();
    await expect(runner.waitFor(written.position, 100)).rejects.toThrow('did not reach position');
    // A 503 unavailable for the caller (the change is recorded; a retry answers it), never a 500.
    await expect(runner.waitFor(written.position, 100)).rejects.toBeInstanceOf(UnavailableError);
  });

  it('waits for its read model as long as its host says (readModelWaitMs)', async () => {
    const processor = new EventsPerStream();
    processor.failNext = 1000;
    const written = await append('thing-1', ['A']);
    runner = new ProcessorRunner(events, documents, processor, { retryDelayMs: 10, readModelWaitMs: 150 });
    await runner.start();
    await expect(runner.waitFor(written.position)).rejects.toThrow(`did not reach position ${written.position} within 150 ms`);
  });
});
