/**
 * Small records that several processes change at once (rate-limit counters, sign-in failures),
 * each changed atomically: a read, a pure change, and a write that succeeds only if nobody wrote
 * the record meanwhile (otherwise read and change again). `NatsKvRecords` keeps them in a NATS
 * JetStream KV bucket shared by every gateway replica; `InMemoryRecords` in this process, for a
 * process that is the only one (the embedded profile).
 *
 * Records expire: each carries its own `expiresAt` (this process's clock, ms since the epoch), and
 * the store forgets it after that (the NATS bucket's `max_age` removes it at the latest).
 */
export interface SharedRecords {
  /**
   * Reads the record of `key` (undefined when none or expired), applies `change`, and stores what
   * it returns as `record` (none: deletes it) only if the record was not written meanwhile; on a
   * conflict it reads and applies `change` again. Resolves with `result` of the change that was
   * stored. `change` must be pure: it may run several times.
   */
  modify<R, T>(key: string, change: (current: T | undefined, now: number) => RecordChange<R, T>): Promise<R>;
  /** Releases the connection (if any). */
  close(): Promise<void>;
}

export interface RecordChange<R, T> {
  /** The record to store (none: delete it, or leave it absent), and when it expires. */
  record?: { value: T; expiresAt: number };
  /** False: nothing to write (the record stays as it is). Default true. */
  write?: boolean;
  result: R;
}

export class SharedRecordsUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SharedRecordsUnavailableError';
  }
}
