import type { GlobalPosition } from '../event-store.port';

/** What the search needs of a record of `$all`: where it is, and whether it is EventStoreDB's own. */
export interface AllRecord {
  position: GlobalPosition | undefined;
  system: boolean;
}

/** One backwards read of `$all`: at most `maxCount` records, newest first, from `from`. */
export type ReadAllBackwards = (from: GlobalPosition | 'end', maxCount: number) => Promise<readonly AllRecord[]>;

export interface FindHeadOptions {
  /** Records asked for by the first read; most stores end in a few system events at most. */
  firstPageSize?: number;
  /** Each further read asks for twice as many, up to this. */
  maxPageSize?: number;
}

/**
 * The position of the newest event that is not EventStoreDB's own, or null when `$all` holds none.
 *
 * The server writes system events all the time (`$statistics` every 30 s into `$stats-*`, the
 * projections' links, stream metadata): an idle store ends in thousands of them, so looking at a
 * fixed number of records would answer "empty" for a store full of events. The v6 client cannot
 * ask for a filtered backwards read, so this pages backwards until it meets one, or the start.
 *
 * Whether a backwards read from a position includes the record at that position is left open:
 * every record at or after the oldest one already seen is skipped, and a page that brings nothing
 * older ends the search, so neither reading can loop or skip a record.
 */
export async function findHeadPosition(
  readBackwards: ReadAllBackwards,
  options: FindHeadOptions = {},
): Promise<GlobalPosition | null> {
  const maxPageSize = Math.max(2, options.maxPageSize ?? 1000);
  let pageSize = Math.min(maxPageSize, Math.max(2, options.firstPageSize ?? 50));
  let from: GlobalPosition | 'end' = 'end';
  let oldestSeen: GlobalPosition | undefined;

  for (;;) {
    const page = await readBackwards(from, pageSize);
    let progressed = false;
    for (const record of page) {
      const { position } = record;
      if (position === undefined || (oldestSeen !== undefined && position >= oldestSeen)) continue;
      oldestSeen = position;
      progressed = true;
      if (!record.system) return position;
    }
    // A short page reached the start of $all.
    if (page.length < pageSize || !progressed || oldestSeen === undefined) return null;
    from = oldestSeen;
    pageSize = Math.min(maxPageSize, pageSize * 2);
  }
}
