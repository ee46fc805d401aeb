import { AppError, Decider } from '@clientele/platform/core';
import { EventStore, SqliteEventStore } from '@clientele/platform/event-store';
import { randomUUID } from 'node:crypto';
import { DeciderWithOutcome, handleCommand, readState } from './command-handler';
import { StreamStateCache } from './stream-state-cache';
import { deterministicEventId } from './deterministic-id';

type Command = { type: 'Increment'; by: number } | { type: 'Noop' };
type Event = { type: 'Incremented'; data: { by: number } };
type State = { total: number };

const counter: Decider<Command, State, Event> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.by }),
  decide: (command, state) => {
    if (command.type === 'Noop') return [];
    if (state.total + command.by > 1000) throw new AppError('limit_reached', 'The counter cannot pass 1000.');
    return [{ type: 'Incremented', data: { by: command.by } }];
  },
};

describe('handleCommand (on a real SQLite event store)', () => {
  let store: SqliteEventStore;
  const stream = () => `counter-${randomUUID()}`;
  const context = (commandId = randomUUID()) => ({ commandId, metadata: { correlationId: 'corr', actor: { id: 'u1', role: 'admin' } } });

  beforeEach(() => {
    store = new SqliteEventStore({ filename: ':memory:' });
  });
  afterEach(() => store.close());

  it('appends the decided events with ids derived from the command id and the metadata', async () => {
    const name = stream();
    const ctx = context();
    const result = await handleCommand(store, name, counter, { type: 'Increment', by: 2 }, ctx);
    expect(result).toMatchObject({ state: { total: 2 }, revision: 0 });
    const [event] = await store.readStream(name);
    expect(event).toMatchObject({ id: deterministicEventId(name, ctx.commandId, 0), type: 'Incremented', data: { by: 2 } });
    expect(event.metadata).toMatchObject({ correlationId: 'corr', actor: { id: 'u1', role: 'admin' }, schemaVersion: 1 });
  });

  it('appends nothing when the decider decides nothing', async () => {
    const name = stream();
    const result = await handleCommand(store, name, counter, { type: 'Noop' }, context());
    expect(result).toMatchObject({ events: [], revision: -1 });
    expect(await store.readStream(name)).toEqual([]);
  });

  it('handles a retried command (same id) only once', async () => {
    const name = stream();
    const ctx = context();
    await handleCommand(store, name, counter, { type: 'Increment', by: 2 }, ctx);
    const retry = await handleCommand(store, name, counter, { type: 'Increment', by: 2 }, ctx);
    expect(retry).toMatchObject({ alreadyHandled: true, state: { total: 2 }, events: [{ type: 'Incremented', data: { by: 2 } }] });
    expect(await store.readStream(name)).toHaveLength(1);
  });

  it('lets one command id append to several streams', async () => {
    const ctx = context();
    const [a, b] = [stream(), stream()];
    await handleCommand(store, a, counter, { type: 'Increment', by: 1 }, ctx);
    await handleCommand(store, b, counter, { type: 'Increment', by: 1 }, ctx);
    expect(await store.readStream(a)).toHaveLength(1);
    expect(await store.readStream(b)).toHaveLength(1);
  });

  it('lets a rule refusal through unchanged and appends nothing', async () => {
    const name = stream();
    await expect(handleCommand(store, name, counter, { type: 'Increment', by: 1001 }, context())).rejects.toMatchObject({
      code: 'limit_reached',
    });
    expect(await store.readStream(name)).toEqual([]);
  });

  it('decides again on fresh state when another writer appended in between', async () => {
    const name = stream();
    await handleCommand(store, name, counter, { type: 'Increment', by: 1 }, context());
    let interfered = false;
    const racing: EventStore = Object.create(store);
    racing.appendToStream = async (...args) => {
      if (!interfered) {
        interfered = true;
        await handleCommand(store, name, counter, { type: 'Increment', by: 10 }, context());
      }
      return store.appendToStream(...args);
    };
    const result = await handleCommand(racing, name, counter, { type: 'Increment', by: 100 }, context());
    expect(result.state.total).toBe(111);
    expect((await store.readStream(name)).map((e) => e.data.by)).toEqual([1, 10, 100]);
  });

  it('gives up with concurrency_conflict after the bounded number of retries', async () => {
    const name = stream();
    await handleCommand(store, name, counter, { type: 'Increment', by: 1 }, context());
    const alwaysRacing: EventStore = Object.create(store);
    alwaysRacing.appendToStream = async (...args) => {
      await handleCommand(store, name, counter, { type: 'Increment', by: 1 }, context());
      return store.appendToStream(...args);
    };
    await expect(handleCommand(alwaysRacing, name, counter, { type: 'Increment', by: 5 }, context(), { maxRetries: 2 })).rejects.toMatchObject({
      code: 'concurrency_conflict',
    });
  });

  it('with a state cache, reads only new events and still sees what another process appended', async () => {
    const name = stream();
    const cache = new StreamStateCache<State>();
    const reads: Array<number | undefined> = [];
    const counting: EventStore = Object.create(store);
    counting.readStream = async (streamName, options) => {
      reads.push(options?.fromRevision);
      return store.readStream(streamName, options);
    };
    await handleCommand(counting, name, counter, { type: 'Increment', by: 1 }, context(), { cache });
    await handleCommand(store, name, counter, { type: 'Increment', by: 10 }, context()); // another process, no cache
    const result = await handleCommand(counting, name, counter, { type: 'Increment', by: 100 }, context(), { cache });
    expect(result.state.total).toBe(111);
    expect(reads).toEqual([undefined, 1]);
    await Promise.all(Array.from({ length: 20 }, () => handleCommand(counting, name, counter, { type: 'Increment', by: 1 }, context(), { cache })));
    expect((await handleCommand(store, name, counter, { type: 'Noop' }, context())).state.total).toBe(131);
  });

  it('hands back the typed result of a decider outcome, from the decision that was appended', async () => {
    const name = stream();
    // Increments up to a cap, and says how much of the request was taken.
    const capped: DeciderWithOutcome<{ by: number; cap: number }, State, Event, { taken: number }> = {
      ...counter,
      decide: (command, state) => {
        const taken = Math.max(0, Math.min(command.by, command.cap - state.total));
        return { events: taken ? [{ type: 'Incremented', data: { by: taken } }] : [], result: { taken } };
      },
    };
    let interfered = false;
    const racing: EventStore = Object.create(store);
    racing.appendToStream = async (...args) => {
      if (!interfered) {
        interfered = true;
        await handleCommand(store, name, counter, { type: 'Increment', by: 7 }, context());
      }
      return store.appendToStream(...args);
    };
    const ctx = context();
    const first = await handleCommand(racing, name, capped, { by: 5, cap: 10 }, ctx);
    expect(first).toMatchObject({ result: { taken: 3 }, state: { total: 10 }, revision: 1 });
    const full = await handleCommand(store, name, capped, { by: 5, cap: 10 }, context());
    expect(full).toMatchObject({ events: [], result: { taken: 0 }, revision: 1 });
    // A retry finds its events and decides nothing: there is no result to give.
    const retry = await handleCommand(store, name, capped, { by: 5, cap: 10 }, ctx);
    expect(retry).toMatchObject({ alreadyHandled: true, events: [{ data: { by: 3 } }] });
    expect(retry.result).toBeUndefined();
  });

  it('gives a plain decider\'s result no `result`', async () => {
    const result = await handleCommand(store, stream(), counter, { type: 'Increment', by: 1 }, context());
    expect('result' in result).toBe(false);
  });

  it('reads a stream\'s state and revision without a command, through the cache', async () => {
    const name = stream();
    expect(await readState(store, name, counter)).toEqual({ state: { total: 0 }, revision: -1, position: null });
    const cache = new StreamStateCache<State>();
    const reads: Array<number | undefined> = [];
    const counting: EventStore = Object.create(store);
    counting.readStream = async (streamName, options) => {
      reads.push(options?.fromRevision);
      return store.readStream(streamName, options);
    };
    const appended = await handleCommand(counting, name, counter, { type: 'Increment', by: 2 }, context(), { cache });
    await handleCommand(store, name, counter, { type: 'Increment', by: 3 }, context()); // another process, no cache
    const read = await readState(counting, name, counter, { cache });
    expect(read).toMatchObject({ state: { total: 5 }, revision: 1 });
    expect(read.position! > appended.position!).toBe(true);
    expect(reads).toEqual([undefined, 1]);
    expect(cache.get(name)).toEqual(read);
  });

  it('loses no update when many commands race on one stream', async () => {
    const name = stream();
    await Promise.all(
      Array.from({ length: 25 }, () => handleCommand(store, name, counter, { type: 'Increment', by: 1 }, context(), { maxRetries: 50 })),
    );
    const events = await store.readStream(name);
    expect(events).toHaveLength(25);
  });
});
