import type { EventHandler, GlobalPosition, ReadAllOptions, RecordedEvent, SubscribeOptions, Subscription } from './event-store.port';

export interface PollingSource {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Optional: `readAll`, and how far the store was looked through (`scannedTo`): a filtered
   * subscription then moves past the events it does not take, instead of reading them again from
   * its last own event after every append (SQLite: they would never reach the store's recent rows).
   */
  readAllScanned?(options: ReadAllOptions): Promise<{ events: RecordedEvent[]; scannedTo: GlobalPosition | null }>;
  /** Resolves at the next local append, or after `ms` (appends by other processes are seen then). */
  waitForAppend(ms: number): Promise<void>;
}

/**
 * Catch-up-then-live over a store that can only be read (SQLite): read pages after the last
 * delivered position; when a page comes back empty we are live, and wait for the next append.
 * Positions come from the store in commit order, so nothing committed before a delivered event
 * can be missed.
 */
export function pollingSubscription(
  source: PollingSource,
  handler: EventHandler,
  options: SubscribeOptions & { pageSize?: number; pollIntervalMs?: number } = {},
): Subscription {
  const pageSize = options.pageSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  let stopped = false;
  let after: GlobalPosition | undefined = options.after;

  const run = async (): Promise<void> => {
    while (!stopped) {
      const read = { after, maxCount: pageSize, filter: options.filter };
      const { events: page, scannedTo } = source.readAllScanned ? await source.readAllScanned(read) : { events: await source.readAll(read), scannedTo: null };
      for (const event of page) {
        if (stopped) return;
        await handler(event);
        after = event.position;
      }
      // A short page is everything up to `scannedTo`: what lies between is not this subscription's.
      if (page.length < pageSize && scannedTo !== null && (after === undefined || scannedTo > after)) after = scannedTo;
      if (page.length < pageSize && !stopped) await source.waitForAppend(pollIntervalMs);
    }
  };

  const done = run();
  return {
    done,
    async stop() {
      stopped = true;
      await done.catch(() => undefined);
    },
  };
}
