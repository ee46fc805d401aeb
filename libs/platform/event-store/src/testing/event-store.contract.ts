import { randomUUID } from 'node:crypto';
import { WrongExpectedRevisionError } from '../errors';
import type { AppendResult, EventStore, NewEvent, RecordedEvent } from '../event-store.port';

/** An append written inside a transaction that stays open until `commit`. */
export interface HeldAppend {
  commit(): Promise<AppendResult>;
  rollback(): Promise<void>;
}

export interface EventStoreContractOptions {
  /**
   * For an adapter whose appends can overlap (several writers at once): writes the events inside
   * a transaction of its own and resolves once they hold their positions, leaving it open. Adapters
   * with a single writer (SQLite's write lock) or whose server orders `$all` by commit
   * (EventStoreDB) have no such hook: an append cannot commit after a later one there, and the
   * overlapping-commit case checks the same reader guarantees with appends in sequence.
   */
  holdOpenAppend?: (store: EventStore, streamName: string, events: readonly NewEvent[]) => Promise<HeldAppend>;
  /**
   * Whether the adapter recognises a retried append with expected revision `any` every time
   * (`always`: SQLite and PostgreSQL look the event ids up) or only while the server remembers the
   * original write (`best-effort`: EventStoreDB checks `any` against a cache of recent writes, so
   * a retry after a restart or many other writes appends the events again). The port guarantees
   * only the exact-revision and `no_stream` cases; `always` is checked because those adapters
   * promise it. Defaults to `always`.
   */
  idempotenceWithAny?: 'always' | 'best-effort';
}

/**
 * The one behavioural contract of the event store port. Every adapter runs exactly this suite
 * (emmett's shared feature suites idea). Each test works in its own stream category, so the
 * suite also runs against a long-lived server that holds other data.
 */
export function eventStoreContract(adapterName: string, open: () => Promise<EventStore>, options: EventStoreContractOptions = {}): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let store: EventStore;
    let category: string;

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });
    beforeEach(() => {
      category = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    });

    const stream = (id = randomUUID()) => `${category}-${id}`;
    const event = (type = 'SomethingHappened', data: Record<string, unknown> = {}): NewEvent => ({
      id: randomUUID(),
      type,
      data,
      metadata: { correlationId: 'c-1', schemaVersion: 1 },
    });

    describe('append with an expected revision', () => {
      it('creates a stream with no_stream and numbers its events from 0', async () => {
        const name = stream();
        const result = await store.appendToStream(name, [event(), event(), event()], { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(2);
        const events = await store.readStream(name);
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(events[2].position).toBe(result.position);
      });

      it('refuses no_stream when the stream exists, with a typed concurrency error', async () => {
        const name = stream();
        await store.appendToStream(name, [event()], { expectedRevision: 'no_stream' });
        const failure = store.appendToStream(name, [event()], { expectedRevision: 'no_stream' });
        await expect(failure).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(failure).rejects.toMatchObject({ code: 'concurrency_conflict', streamName: name });
        expect(await store.readStream(name)).toHaveLength(1);
      });

      it('appends at the exact revision and refuses a stale one', async () => {
        const name = stream();
        const first = await store.appendToStream(name, [event(), event()], { expectedRevision: 'no_stream' });
        const second = await store.appendToStream(name, [event()], { expectedRevision: first.nextExpectedRevision });
        expect(second.nextExpectedRevision).toBe(2);
        await expect(store.appendToStream(name, [event()], { expectedRevision: 1 })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        await expect(store.appendToStream(name, [event()], { expectedRevision: 7 })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        expect(await store.readStream(name)).toHaveLength(3);
      });

      it('refuses an exact revision on a stream that does not exist', async () => {
        await expect(store.appendToStream(stream(), [event()], { expectedRevision: 0 })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
      });

      it('honours stream_exists and any', async () => {
        const name = stream();
        await expect(store.appendToStream(name, [event()], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        await store.appendToStream(name, [event()], { expectedRevision: 'any' });
        await store.appendToStream(name, [event()], { expectedRevision: 'stream_exists' });
        await store.appendToStream(name, [event()], { expectedRevision: 'any' });
        expect(await store.readStream(name)).toHaveLength(3);
      });

      it('lets exactly one of several concurrent writers at the same revision win', async () => {
        const name = stream();
        await store.appendToStream(name, [event()], { expectedRevision: 'no_stream' });
        const attempts = await Promise.allSettled(
          Array.from({ length: 8 }, () => store.appendToStream(name, [event()], { expectedRevision: 0 })),
        );
        expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
        for (const failed of attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected')) {
          expect(failed.reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect(await store.readStream(name)).toHaveLength(2);
      });
    });

    // What the port guarantees (event-store.port.ts, appendToStream): a retry with the expected
    // revision of the original append (no_stream or a number) appends nothing; with `any` only
    // the adapters that say so guarantee it.
    describe('idempotent append', () => {
      it('adds nothing when the same events are appended again with no_stream', async () => {
        const name = stream();
        const batch = [event(), event()];
        const first = await store.appendToStream(name, batch, { expectedRevision: 'no_stream' });
        const retry = await store.appendToStream(name, batch, { expectedRevision: 'no_stream' });
        expect(retry.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect((await store.readStream(name)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
      });

      it('adds nothing when the same events are appended again at the same exact revision', async () => {
        const name = stream();
        const opening = event();
        await store.appendToStream(name, [opening], { expectedRevision: 'no_stream' });
        const batch = [event(), event()];
        const first = await store.appendToStream(name, batch, { expectedRevision: 0 });
        const retry = await store.appendToStream(name, batch, { expectedRevision: 0 });
        expect(retry.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect((await store.readStream(name)).map((e) => e.id)).toEqual([opening, ...batch].map((e) => e.id));
      });

      if ((options.idempotenceWithAny ?? 'always') === 'always') {
        it('adds nothing when the same events are appended again with any', async () => {
          const name = stream();
          const batch = [event()];
          await store.appendToStream(name, batch, { expectedRevision: 'any' });
          await store.appendToStream(name, batch, { expectedRevision: 'any' });
          expect(await store.readStream(name)).toHaveLength(1);
        });
      } else {
        it('accepts the same events appended again with any, at most once more (best-effort idempotence)', async () => {
          const name = stream();
          const batch = [event()];
          await store.appendToStream(name, batch, { expectedRevision: 'any' });
          await store.appendToStream(name, batch, { expectedRevision: 'any' });
          const stored = await store.readStream(name);
          expect(stored.length === 1 || stored.length === 2).toBe(true);
          expect(stored.every((e) => e.id === batch[0].id)).toBe(true);
        });
      }
    });

    describe('reading a stream', () => {
      it('round-trips type, data and metadata', async () => {
        const name = stream();
        const written = event('ClientAdded', { firstName: 'Zoë', tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } });
        await store.appendToStream(name, [written], { expectedRevision: 'no_stream' });
        const [read] = await store.readStream(name);
        expect(read).toMatchObject({ id: written.id, type: 'ClientAdded', streamName: name, revision: 0, data: written.data });
        expect(read.metadata).toMatchObject({ correlationId: 'c-1', schemaVersion: 1 });
        expect(read.recordedAt).toBeInstanceOf(Date);
        expect(typeof read.position).toBe('bigint');
      });

      it('reads forwards and backwards, from a revision, with a maximum count', async () => {
        const name = stream();
        await store.appendToStream(name, [0, 1, 2, 3, 4].map((n) => event('E', { n })), { expectedRevision: 'no_stream' });
        const numbers = (events: RecordedEvent[]) => events.map((e) => e.data.n);
        expect(numbers(await store.readStream(name))).toEqual([0, 1, 2, 3, 4]);
        expect(numbers(await store.readStream(name, { direction: 'backwards' }))).toEqual([4, 3, 2, 1, 0]);
        expect(numbers(await store.readStream(name, { fromRevision: 2, maxCount: 2 }))).toEqual([2, 3]);
        expect(numbers(await store.readStream(name, { direction: 'backwards', fromRevision: 2 }))).toEqual([2, 1, 0]);
        expect(numbers(await store.readStream(name, { direction: 'backwards', maxCount: 1 }))).toEqual([4]);
      });

      it('reads a stream that does not exist as empty', async () => {
        expect(await store.readStream(stream())).toEqual([]);
      });

      it('reads a deleted stream as empty', async () => {
        const name = stream();
        const other = stream();
        await store.appendToStream(name, [event(), event()], { expectedRevision: 'no_stream' });
        await store.appendToStream(other, [event()], { expectedRevision: 'no_stream' });
        await store.deleteStream(name);
        expect(await store.readStream(name)).toEqual([]);
        expect(await store.readStream(other)).toHaveLength(1);
      });

      // The port's deleteStream: a recreated stream holds only its new events, and its revisions
      // are whatever the append answers (SQLite and PostgreSQL restart at 0, EventStoreDB goes on).
      it('recreates a deleted stream with only its new events, continuing from what the append answers', async () => {
        const name = stream();
        await store.appendToStream(name, [event('Old1'), event('Old2')], { expectedRevision: 'no_stream' });
        await store.deleteStream(name);

        const recreated = await store.appendToStream(name, [event('New1'), event('New2')], { expectedRevision: 'any' });
        const read = await store.readStream(name);
        expect(read.map((e) => e.type)).toEqual(['New1', 'New2']);
        expect(read.map((e) => e.revision)).toEqual([recreated.nextExpectedRevision - 1, recreated.nextExpectedRevision]);

        const next = await store.appendToStream(name, [event('New3')], { expectedRevision: recreated.nextExpectedRevision });
        expect(next.nextExpectedRevision).toBe(recreated.nextExpectedRevision + 1);
        expect((await store.readStream(name, { direction: 'backwards', maxCount: 1 })).map((e) => e.type)).toEqual(['New3']);
      });

      it('deletes a stream that does not exist without complaint', async () => {
        await expect(store.deleteStream(stream())).resolves.toBeUndefined();
      });
    });

    describe('reading all events', () => {
      it('reads in position order after a position, filtered by stream category', async () => {
        const a = stream();
        const b = stream();
        const first = await store.appendToStream(a, [event('A1')], { expectedRevision: 'no_stream' });
        await store.appendToStream(b, [event('B1'), event('B2')], { expectedRevision: 'no_stream' });
        await store.appendToStream(a, [event('A2')], { expectedRevision: 0 });
        await store.appendToStream(`other${category}-x`, [event('Elsewhere')], { expectedRevision: 'any' });

        const all = await store.readAll({ filter: { streamCategories: [category] } });
        expect(all.map((e) => e.type)).toEqual(['A1', 'B1', 'B2', 'A2']);
        assertIncreasing(all);

        const later = await store.readAll({ after: first.position, filter: { streamCategories: [category] } });
        expect(later.map((e) => e.type)).toEqual(['B1', 'B2', 'A2']);

        const page = await store.readAll({ after: first.position, maxCount: 2, filter: { streamCategories: [category] } });
        expect(page.map((e) => e.type)).toEqual(['B1', 'B2']);
      });

      it('knows the position of the newest event', async () => {
        const appended = await store.appendToStream(stream(), [event('Head1'), event('Head2')], { expectedRevision: 'no_stream' });
        expect(await store.headPosition()).toBe(appended.position);
      });

      it('filters by event type', async () => {
        const unique = `Typed${category}`;
        await store.appendToStream(stream(), [event(unique), event('Other'), event(unique)], { expectedRevision: 'no_stream' });
        const typed = await store.readAll({ filter: { eventTypes: [unique] } });
        expect(typed.map((e) => e.type)).toEqual([unique, unique]);
      });
    });

    describe('subscribing to all events', () => {
      it('catches up from the start, then delivers live events', async () => {
        const name = stream();
        await store.appendToStream(name, [event('Old1'), event('Old2')], { expectedRevision: 'no_stream' });
        const seen: RecordedEvent[] = [];
        const subscription = store.subscribeToAll((e) => void seen.push(e), { filter: { streamCategories: [category] } });
        try {
          await waitFor(() => seen.length === 2);
          await store.appendToStream(name, [event('New1')], { expectedRevision: 1 });
          await waitFor(() => seen.length === 3);
          expect(seen.map((e) => e.type)).toEqual(['Old1', 'Old2', 'New1']);
        } finally {
          await subscription.stop();
        }
      });

      it('resumes after a checkpoint without repeating what was handled', async () => {
        const name = stream();
        const first = await store.appendToStream(name, [event('Handled')], { expectedRevision: 'no_stream' });
        await store.appendToStream(name, [event('Next')], { expectedRevision: 0 });
        const seen: string[] = [];
        const subscription = store.subscribeToAll((e) => void seen.push(e.type), {
          after: first.position,
          filter: { streamCategories: [category] },
        });
        try {
          await waitFor(() => seen.length === 1);
          await sleep(100);
          expect(seen).toEqual(['Next']);
        } finally {
          await subscription.stop();
        }
      });

      it('filters by event type', async () => {
        const wanted = `Wanted${category}`;
        const seen: string[] = [];
        const subscription = store.subscribeToAll((e) => void seen.push(e.type), { filter: { eventTypes: [wanted] } });
        try {
          await store.appendToStream(stream(), [event('Unwanted'), event(wanted)], { expectedRevision: 'no_stream' });
          await waitFor(() => seen.length === 1);
          expect(seen).toEqual([wanted]);
        } finally {
          await subscription.stop();
        }
      });

      it('never skips an event committed before one it already delivered, under concurrent writers', async () => {
        const seen: RecordedEvent[] = [];
        const subscription = store.subscribeToAll((e) => void seen.push(e), { filter: { streamCategories: [category] } });
        try {
          const writers = Array.from({ length: 10 }, async () => {
            const name = stream();
            for (let revision = -1; revision < 9; revision++) {
              await store.appendToStream(name, [event()], { expectedRevision: revision === -1 ? 'no_stream' : revision });
            }
          });
          await Promise.all(writers);
          await waitFor(() => seen.length === 100);
          assertIncreasing(seen);
          expect(new Set(seen.map((e) => e.id)).size).toBe(100);
          const readBack = await store.readAll({ filter: { streamCategories: [category] } });
          expect(seen.map((e) => e.id)).toEqual(readBack.map((e) => e.id));
        } finally {
          await subscription.stop();
        }
      });

      const overlapping = options.holdOpenAppend
        ? 'delivers two appends whose transactions overlap, the later position committing first, in order and once'
        : 'delivers two appends in order and once (one writer at a time here: appends cannot overlap, so they run in sequence)';
      it(overlapping, async () => {
        const filter = { streamCategories: [category] };
        const seen: RecordedEvent[] = [];
        const subscription = store.subscribeToAll((e) => void seen.push(e), { filter });
        try {
          const start = await store.appendToStream(stream(), [event('Before')], { expectedRevision: 'no_stream' });
          await waitFor(() => seen.length === 1);

          // A reader that polls from a checkpoint while the two appends are under way, as a projector does.
          const readerSaw: RecordedEvent[] = [];
          let readerCheckpoint = start.position;
          const readOn = async () => {
            const page = await store.readAll({ after: readerCheckpoint, filter });
            readerSaw.push(...page);
            if (page.length > 0) readerCheckpoint = page[page.length - 1].position;
          };

          let early: AppendResult;
          let late: AppendResult;
          if (options.holdOpenAppend) {
            // The early append takes its position first and stays uncommitted while the late one
            // commits: a reader that moved past the late one would never see the early one.
            const held = await options.holdOpenAppend(store, stream(), [event('Early')]);
            try {
              late = await store.appendToStream(stream(), [event('Late')], { expectedRevision: 'no_stream' });
              await readOn();
            } catch (error) {
              await held.rollback();
              throw error;
            }
            early = await held.commit();
          } else {
            // One writer at a time: the early append commits before the late one starts.
            early = await store.appendToStream(stream(), [event('Early')], { expectedRevision: 'no_stream' });
            await readOn();
            late = await store.appendToStream(stream(), [event('Late')], { expectedRevision: 'no_stream' });
          }
          await waitFor(async () => {
            await readOn();
            return readerSaw.length >= 2;
          });

          const everything = await store.readAll({ after: start.position, filter });
          expect(everything.map((e) => e.type).sort()).toEqual(['Early', 'Late']);
          expect(everything.find((e) => e.type === 'Early')!.position).toBe(early.position);
          expect(everything.find((e) => e.type === 'Late')!.position).toBe(late.position);
          // The reader from its checkpoints got both, once each, in the store's order.
          expect(readerSaw.map((e) => e.id)).toEqual(everything.map((e) => e.id));
          assertIncreasing(readerSaw);

          await waitFor(() => seen.length >= 3);
          await sleep(300);
          expect(seen.map((e) => e.id)).toEqual([seen[0].id, ...everything.map((e) => e.id)]);
          assertIncreasing(seen);
        } finally {
          await subscription.stop();
        }
      });

      it('stops and rejects when the handler fails, so the caller can resume from its checkpoint', async () => {
        await store.appendToStream(stream(), [event('Poison')], { expectedRevision: 'no_stream' });
        const subscription = store.subscribeToAll(
          () => {
            throw new Error('handler failed');
          },
          { filter: { streamCategories: [category] } },
        );
        await expect(subscription.done).rejects.toThrow('handler failed');
        await subscription.stop();
      });

      it('delivers nothing after stop', async () => {
        const seen: string[] = [];
        const subscription = store.subscribeToAll((e) => void seen.push(e.type), { filter: { streamCategories: [category] } });
        await subscription.stop();
        await store.appendToStream(stream(), [event('AfterStop')], { expectedRevision: 'no_stream' });
        await sleep(300);
        expect(seen).toEqual([]);
      });
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

function assertIncreasing(events: RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    if (!(events[i].position > events[i - 1].position)) {
      throw new Error(`positions do not grow at index ${i}: ${events[i - 1].position} then ${events[i].position}`);
    }
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
