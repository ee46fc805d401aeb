import { RecordChange, SharedRecords, SharedRecordsUnavailableError } from './shared-records.port';

export interface ResilientRecordsOptions {
  /** After the shared store failed, how long to count locally before asking it again. Default 5 s. */
  pauseMs?: number;
  /** Told when the shared store fails and this process counts on its own (at most once per pause). */
  onUnavailable?: (error: SharedRecordsUnavailableError) => void;
  /** Told when the shared store answers again after a failure. */
  onRecovered?: () => void;
}

/**
 * The shared records while they answer, this process's own (`fallback`) while they do not: a
 * limit then holds per replica, as it did before counts were shared, rather than not at all
 * (failing open would let a guesser through at full speed) or for nobody (failing closed would
 * lock every user out of signing in for an outage of a safeguard). The caller logs the switch.
 * After a failure the shared store is left alone for `pauseMs`, so a NATS that times out does not
 * add its timeout to every request.
 */
export class ResilientRecords implements SharedRecords {
  private sharedAgainAt = 0;
  private failing = false;

  constructor(
    private readonly shared: SharedRecords,
    private readonly fallback: SharedRecords,
    private readonly options: ResilientRecordsOptions = {},
    private readonly clock: () => number = Date.now,
  ) {}

  async modify<R, T>(key: string, change: (current: T | undefined, now: number) => RecordChange<R, T>): Promise<R> {
    if (this.clock() < this.sharedAgainAt) return this.fallback.modify(key, change);
    try {
      const result = await this.shared.modify(key, change);
      if (this.failing) {
        this.failing = false;
        this.options.onRecovered?.();
      }
      return result;
    } catch (error) {
      if (!(error instanceof SharedRecordsUnavailableError)) throw error;
      this.failing = true;
      this.sharedAgainAt = this.clock() + (this.options.pauseMs ?? 5000);
      this.options.onUnavailable?.(error);
      return this.fallback.modify(key, change);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.shared.close(), this.fallback.close()]);
  }
}
