import { RecordChange, SharedRecords } from './shared-records.port';

/**
 * SharedRecords in this process's memory: for a process that is the only one counting (the
 * embedded profile), and the fallback of a gateway whose NATS KV does not answer. Expired records
 * are swept as new ones come, so an address sweep cannot grow the map without bound.
 */
export class InMemoryRecords implements SharedRecords {
  private readonly records = new Map<string, { value: unknown; expiresAt: number }>();
  private nextSweepAt = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  async modify<R, T>(key: string, change: (current: T | undefined, now: number) => RecordChange<R, T>): Promise<R> {
    const now = this.clock();
    this.sweep(now);
    const stored = this.records.get(key);
    const current = stored && stored.expiresAt > now ? (stored.value as T) : undefined;
    const outcome = change(current, now);
    if (outcome.write !== false) {
      if (outcome.record) this.records.set(key, { value: outcome.record.value, expiresAt: outcome.record.expiresAt });
      else this.records.delete(key);
    }
    return outcome.result;
  }

  async close(): Promise<void> {
    this.records.clear();
  }

  /** How many records are kept (tests). */
  get size(): number {
    return this.records.size;
  }

  private sweep(now: number): void {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + 10_000;
    for (const [key, record] of this.records) if (record.expiresAt <= now) this.records.delete(key);
  }
}
