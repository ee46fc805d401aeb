import { UnavailableError } from '@clientele/platform/core';
import type { GlobalPosition, ReadAllOptions, RecordedEvent } from '@clientele/platform/event-store';
import { PositionWaiters } from './processor-runner-waiters';

describe('PositionWaiters', () => {
  const setUp = (options: { active?: boolean; stored?: GlobalPosition | null; positions?: GlobalPosition[]; head?: GlobalPosition | null } = {}) => {
    // The positions of the events the processor cares about, and the newest event readers can see
    // (of any kind; by default the last of those): a store may still hide later ones, as PostgreSQL
    // does behind an older open transaction.
    const positions = options.positions ?? [];
    const head = () => (options.head !== undefined ? options.head : (positions[positions.length - 1] ?? null));
    const events = {
      readAll: async ({ after, maxCount }: ReadAllOptions = {}) =>
        positions
          .filter((position) => (after === undefined || position > after) && head() !== null && position <= head()!)
          .slice(0, maxCount)
          .map((position) => ({ position }) as RecordedEvent),
      headPosition: async () => head(),
    };
    const documents = { getCheckpoint: async () => options.stored ?? null };
    return new PositionWaiters(events, documents, { name: 'counter' }, () => options.active ?? true);
  };
  const settled = async (promise: Promise<void>) => {
    let done = false;
    void promise.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 60));
    return done;
  };

  it('answers at once a position already reached', async () => {
    const waiters = setUp();
    waiters.advanceTo(10n);
    await expect(waiters.waitFor(10n)).resolves.toBeUndefined();
    expect(waiters.position).toBe(10n);
  });

  it('releases a waiter when the processor commits up to its position, not before', async () => {
    const waiters = setUp({ positions: [3n, 5n, 8n] });
    const waiting = waiters.waitFor(5n);
    waiters.advanceTo(3n);
    expect(await settled(waiting)).toBe(false);
    waiters.advanceTo(5n);
    expect(await settled(waiting)).toBe(true);
  });

  it('releases a waiter when nothing the processor cares about is left up to its position', async () => {
    const waiters = setUp({ positions: [3n, 9n] });
    waiters.resumeFrom(3n);
    await expect(waiters.waitFor(6n)).resolves.toBeUndefined();
    expect(waiters.position).toBe(3n);
  });

  it('releases a waiter whose own event the processor does not care about, once the store shows it', async () => {
    const waiters = setUp({ positions: [3n], head: 6n });
    waiters.resumeFrom(3n);
    await expect(waiters.waitFor(6n)).resolves.toBeUndefined();
  });

  it('holds a waiter whose event the store still hides (an empty read is not "nothing left")', async () => {
    const options = { positions: [3n, 6n], head: 3n as GlobalPosition | null };
    const waiters = setUp(options);
    waiters.resumeFrom(3n);
    const waiting = waiters.waitFor(6n);
    expect(await settled(waiting)).toBe(false);
    // The older transaction ends: the event shows, and the processor commits it.
    options.head = 6n;
    expect(await settled(waiting)).toBe(false);
    waiters.advanceTo(6n);
    expect(await settled(waiting)).toBe(true);
  });

  it('follows the stored checkpoint on a replica that is not the active one', async () => {
    const waiters = setUp({ active: false, stored: 8n, positions: [3n, 5n, 8n] });
    await expect(waiters.waitFor(8n)).resolves.toBeUndefined();
    expect(waiters.position).toBe(8n);
  });

  it('gives up with an unavailable error (a 503) when the position is not reached in time', async () => {
    const waiters = setUp({ positions: [3n] });
    const waiting = waiters.waitFor(3n, 50);
    await expect(waiting).rejects.toBeInstanceOf(UnavailableError);
    await expect(waiters.waitFor(3n, 50)).rejects.toThrow('the read model (counter) did not reach position 3 within 50 ms');
  });
});
