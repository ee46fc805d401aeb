import { AppError, ErrorCodes } from '@clientele/platform/core';

export class WebhookRateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCodes.rateLimited, `Too many refused deliveries from this address; wait ${retryAfterSeconds} seconds and try again.`);
  }
}

/**
 * The webhook's rate limit counts refused deliveries only (no or a bad signature), per IP address
 * in a one-minute window, against the same limit as the sign-in routes. Stripe's own deliveries
 * are signed, so they never count: a busy business's events (hundreds a minute, and Stripe's
 * retries of each for days) are never turned away by it, while someone sending unsigned bodies is
 * stopped before billing is asked to check them. When an address is over the limit the answer is a
 * 429 with Retry-After, never a 2xx: whatever was sent is retried, not dropped.
 */
export class WebhookRefusals {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(private readonly perMinute: () => number) {}

  /** Throws 429 while `ip` is over the limit. */
  check(ip: string, now = Date.now()): void {
    const window = this.windows.get(ip);
    if (!window || now - window.startedAt >= 60_000) return;
    if (window.count >= this.perMinute()) throw new WebhookRateLimitedError(Math.max(1, Math.ceil((window.startedAt + 60_000 - now) / 1000)));
  }

  refused(ip: string, now = Date.now()): void {
    const window = this.windows.get(ip);
    if (!window || now - window.startedAt >= 60_000) {
      this.windows.set(ip, { startedAt: now, count: 1 });
      this.forgetOldWindows(now);
    } else window.count++;
  }

  private forgetOldWindows(now: number): void {
    if (this.windows.size < 10_000) return;
    for (const [key, window] of this.windows) if (now - window.startedAt >= 60_000) this.windows.delete(key);
  }
}
