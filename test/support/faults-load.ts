import { ApiResponse } from './http';

/**
 * Helpers of the fault-injection specs (issue 10): polling, requests timed and cut off when they
 * hang, and operations retried with their Idempotency-Key until acknowledged, every attempt kept.
 */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls `probe` until it answers something other than undefined; throws past the deadline. */
export async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(intervalMs);
  }
}

/** Calls `probe` until it answers something truthy; throws past the deadline (errors of the probe propagate). */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** Status 0: no answer within `hangMs` (a hang); status -1: the connection failed. */
export async function timed(call: () => Promise<ApiResponse>, hangMs: number): Promise<{ ms: number; response: ApiResponse }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<ApiResponse>((done) => {
    timer = setTimeout(() => done({ status: 0, headers: new Headers(), body: 'no answer (hung)' }), hangMs);
  });
  try {
    const response = await Promise.race([
      call().catch((error: unknown): ApiResponse => ({ status: -1, headers: new Headers(), body: `connection failed: ${String(error)}` })),
      hang,
    ]);
    return { ms: Date.now() - started, response };
  } finally {
    clearTimeout(timer);
  }
}

export interface Attempt {
  /** When it was sent (ms since the epoch). */
  at: number;
  ms: number;
  status: number;
  code?: string;
  contentType: string | null;
  body?: unknown;
}

export interface Operation {
  kind: string;
  key: string;
  /** When the first attempt was sent. */
  startedAt: number;
  attempts: Attempt[];
  /** The answer that acknowledged it (2xx), if one did. */
  acknowledged?: ApiResponse;
  acknowledgedAt?: number;
  /** Set when an attempt answered something a retry cannot fix (any 4xx, a 500): a finding. */
  refused?: Attempt;
}

export interface RetryOptions {
  /** A request without an answer after this long counts as hung (status 0) and is retried. */
  hangMs: number;
  /** Pause between attempts. */
  retryDelayMs: number;
  /** Stop retrying once this says so (the final deadline). */
  giveUp: () => boolean;
}

/**
 * Sends `call` until it answers 2xx. A 503 (or a hang, or a failed connection) is retried with the
 * same request, so the same Idempotency-Key: the caller does what a real client does and never
 * knows whether the failed attempt had an effect. Any other answer ends the operation as refused.
 */
export async function untilAcknowledged(kind: string, key: string, call: () => Promise<ApiResponse>, options: RetryOptions): Promise<Operation> {
  const op: Operation = { kind, key, startedAt: Date.now(), attempts: [] };
  for (;;) {
    const at = Date.now();
    const { ms, response } = await timed(call, options.hangMs);
    if (response.status >= 200 && response.status < 300) {
      op.acknowledged = response;
      op.acknowledgedAt = Date.now();
      return op;
    }
    const attempt: Attempt = {
      at,
      ms,
      status: response.status,
      code: (response.body as { code?: string } | undefined)?.code,
      contentType: response.headers.get('content-type'),
      body: response.body,
    };
    op.attempts.push(attempt);
    if (response.status !== 503 && response.status > 0) {
      op.refused = attempt;
      return op;
    }
    if (options.giveUp()) return op;
    await sleep(options.retryDelayMs);
  }
}

/** Failed attempts that were not a fast 503 `unavailable` problem+json: the findings of a fault. */
export function unexpectedFailures(attempts: readonly Attempt[], failFastMs: number): Attempt[] {
  return attempts.filter(
    (a) => a.status !== 503 || a.code !== 'unavailable' || !/^application\/problem\+json/.test(a.contentType ?? '') || a.ms >= failFastMs,
  );
}

export function describeAttempts(attempts: readonly Attempt[]): string {
  const byOutcome = new Map<string, number[]>();
  for (const a of attempts) {
    const outcome = `${a.status}${a.code ? ` ${a.code}` : ''}`;
    byOutcome.set(outcome, [...(byOutcome.get(outcome) ?? []), a.ms]);
  }
  return [...byOutcome]
    .map(([outcome, ms]) => `${ms.length}x ${outcome} (${Math.min(...ms)}-${Math.max(...ms)} ms)`)
    .join(', ');
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  });
  await Promise.all(lanes);
  return results;
}
