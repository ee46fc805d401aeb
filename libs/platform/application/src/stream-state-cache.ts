import type { GlobalPosition } from '@clientele/platform/event-store';

export interface CachedState<State> {
  state: State;
  revision: number;
  position: GlobalPosition | null;
}

export interface StreamStateCacheOptions<State> {
  /** At most this many streams (default 1000). */
  maxEntries?: number;
  /** At most about this many bytes over all entries, as `sizeOf` estimates them (default 64 MiB). */
  maxBytes?: number;
  /**
   * A cheap estimate of a state's size in bytes (it runs on every command, so no JSON.stringify of
   * a big state). A state larger than `maxBytes / 4` is not kept at all: the next command reads its
   * stream again rather than pinning it. Default: every state counts 1 KiB.
   */
  sizeOf?: (state: State) => number;
}

/**
 * Keeps the folded state of busy streams (an account's roster) between commands, so a command
 * reads only the events appended since, instead of the whole stream. Commands on one stream run
 * one at a time in this process (`withLock`), so a cached state is never evolved by two at once;
 * other processes are caught by the expected revision as usual, and the next command reads what
 * they appended.
 *
 * Bounded by entries and by approximate bytes, least recently used out first (issue 17: an
 * unbounded cache of growing states is a leak that never gives the memory back).
 */
export class StreamStateCache<State> {
  private readonly entries = new Map<string, CachedState<State> & { bytes: number }>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly sizeOf: (state: State) => number;
  private totalBytes = 0;

  constructor(options: number | StreamStateCacheOptions<State> = {}) {
    const settings = typeof options === 'number' ? { maxEntries: options } : options;
    this.maxEntries = settings.maxEntries ?? 1000;
    this.maxBytes = settings.maxBytes ?? 64 * 1024 * 1024;
    this.sizeOf = settings.sizeOf ?? (() => 1024);
  }

  /** Entries kept and their estimated bytes (for tests and diagnostics). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.totalBytes };
  }

  get(stream: string): CachedState<State> | undefined {
    const entry = this.entries.get(stream);
    if (!entry) return undefined;
    // Recently used goes to the back of the eviction order.
    this.entries.delete(stream);
    this.entries.set(stream, entry);
    return { state: entry.state, revision: entry.revision, position: entry.position };
  }

  set(stream: string, entry: CachedState<State>): void {
    this.forget(stream);
    const bytes = Math.max(0, this.sizeOf(entry.state));
    if (bytes > this.maxBytes / 4) return;
    while (this.entries.size > 0 && (this.entries.size >= this.maxEntries || this.totalBytes + bytes > this.maxBytes)) {
      this.forget(this.entries.keys().next().value as string);
    }
    this.entries.set(stream, { ...entry, bytes });
    this.totalBytes += bytes;
  }

  forget(stream: string): void {
    const entry = this.entries.get(stream);
    if (!entry) return;
    this.entries.delete(stream);
    this.totalBytes -= entry.bytes;
  }

  async withLock<T>(stream: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(stream) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(stream, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(stream) === settled) this.locks.delete(stream);
    }
  }
}
