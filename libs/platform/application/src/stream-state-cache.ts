import type { GlobalPosition } from '@clientele/platform/event-store';

export interface CachedState<State> {
  state: State;
  revision: number;
  position: GlobalPosition | null;
}

/**
 * Keeps the folded state of busy streams (an account's roster) between commands, so a command
 * reads only the events appended since, instead of the whole stream. Commands on one stream run
 * one at a time in this process (`withLock`), so a cached state is never evolved by two at once;
 * other processes are caught by the expected revision as usual, and the next command reads what
 * they appended.
 */
export class StreamStateCache<State> {
  private readonly entries = new Map<string, CachedState<State>>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly maxEntries = 1000) {}

  get(stream: string): CachedState<State> | undefined {
    return this.entries.get(stream);
  }

  set(stream: string, entry: CachedState<State>): void {
    this.entries.delete(stream);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(stream, entry);
  }

  forget(stream: string): void {
    this.entries.delete(stream);
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
