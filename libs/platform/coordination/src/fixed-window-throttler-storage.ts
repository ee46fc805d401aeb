import type { ThrottlerStorage } from '@nestjs/throttler';
import { SharedRecords } from './shared-records.port';

/** What the throttler reads back (not exported by name from @nestjs/throttler). */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  /** When the window ends (ms since the epoch). */
  endsAt: number;
  /** Refused until then (ms since the epoch); 0: not refused. */
  blockedUntil: number;
}

/**
 * The @nestjs/throttler storage over SharedRecords: a fixed window per key that starts with its
 * first hit and lasts `ttl` ms. Past `limit` hits the key is refused until the window ends, or
 * `blockDuration` ms after the hit that went over when that is later (0: until the window ends).
 * Refused hits write nothing, so a flood costs one read each.
 *
 * Over NatsKvRecords every gateway replica counts into the same window; over InMemoryRecords
 * this process counts alone.
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly records: SharedRecords) {}

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    return this.records.modify<ThrottlerStorageRecord, Window>(`throttle.${throttlerName}.${safeKey(key)}`, (current, now) => {
      const seconds = (until: number) => Math.max(1, Math.ceil((until - now) / 1000));
      if (current && current.blockedUntil > now) {
        return { write: false, result: { totalHits: current.hits, timeToExpire: seconds(current.endsAt), isBlocked: true, timeToBlockExpire: seconds(current.blockedUntil) } };
      }
      const window: Window = current && current.endsAt > now ? { ...current, hits: current.hits + 1 } : { hits: 1, endsAt: now + ttl, blockedUntil: 0 };
      const isBlocked = window.hits > limit;
      if (isBlocked) window.blockedUntil = Math.max(window.endsAt, now + Math.max(0, blockDuration));
      return {
        record: { value: window, expiresAt: Math.max(window.endsAt, window.blockedUntil) },
        result: { totalHits: window.hits, timeToExpire: seconds(window.endsAt), isBlocked, timeToBlockExpire: isBlocked ? seconds(window.blockedUntil) : 0 },
      };
    });
  }
}

/** KV keys allow `[-/_=.a-zA-Z0-9]`; the throttler's keys are hex digests already. */
function safeKey(key: string): string {
  return key.replace(/[^-/_=a-zA-Z0-9]/g, (c) => `=${c.charCodeAt(0).toString(16)}`);
}
