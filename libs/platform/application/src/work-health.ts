/**
 * When background work (a processor runner, an event consumer) counts as failing for `/health`:
 * this many failures in a row, the first of them at least `forMs` ago. Both, so that neither a
 * burst of quick retries after one transient fault (a store that blinked) nor a single slow failure
 * flaps the health; a runner retrying every second is reported after about 10 s. And the last one
 * at most `staleMs` ago: a consumer that dead-lettered a poison event and has had nothing to do
 * since is not failing any more (the dead letter is the operator's record of it, see the ops tool).
 */
export interface FailingThreshold {
  failures: number;
  forMs: number;
  staleMs: number;
}

export const DEFAULT_FAILING_THRESHOLD: FailingThreshold = { failures: 5, forMs: 10_000, staleMs: 60_000 };

/** One worker's record: consecutive failures since its last success. */
export class FailureStreak {
  private failures = 0;
  private since: number | null = null;
  private lastFailure = 0;
  private lastError = '';
  private lastSuccess: number | null = null;

  constructor(
    /** The processor or the durable consumer, as operators know it (`identity_client_logins`). */
    readonly name: string,
    /** The service it works for: its health query reports it. */
    readonly service: string,
    private readonly now: () => number,
  ) {}

  succeeded(): void {
    this.failures = 0;
    this.since = null;
    this.lastSuccess = this.now();
  }

  failed(error: unknown): void {
    this.lastFailure = this.now();
    if (this.failures === 0) this.since = this.lastFailure;
    this.failures++;
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  /** Time of the last success (epoch ms), null before the first one. */
  get lastSuccessAt(): number | null {
    return this.lastSuccess;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** A sentence for `/health` when the streak crossed the threshold, null otherwise. */
  failing(threshold: FailingThreshold): string | null {
    const now = this.now();
    if (this.since === null || this.failures < threshold.failures || now - this.since < threshold.forMs || now - this.lastFailure > threshold.staleMs) return null;
    const lastOk = this.lastSuccess === null ? 'no success since it started' : `last success ${new Date(this.lastSuccess).toISOString()}`;
    return `${this.name} has failed ${this.failures} times in a row since ${new Date(this.since).toISOString()} (${lastOk}): ${this.lastError}`;
  }
}

/**
 * The background work of this process (processor runners, event consumers) and whether any of it
 * keeps failing. Runners and consumers register while they run; each service's health query asks
 * for its own (`failing('identity')`), which the gateway's `/health` reports. Such a failure is
 * not a readiness failure: a broken projection makes some requests fail, and taking every gateway
 * out of the load balancer for it would make all of them fail.
 *
 * `WorkHealth.process` is the registry of this process (like a metrics registry: whatever runs in
 * the process reports to it); tests give a runner their own.
 */
export class WorkHealth {
  static readonly process = new WorkHealth();

  private readonly streaks = new Set<FailureStreak>();

  constructor(
    private readonly threshold: FailingThreshold = DEFAULT_FAILING_THRESHOLD,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** A new record for a worker that starts; `forget` it when the worker stops. */
  track(name: string, service: string): FailureStreak {
    const streak = new FailureStreak(name, service, this.now);
    this.streaks.add(streak);
    return streak;
  }

  forget(streak: FailureStreak): void {
    this.streaks.delete(streak);
  }

  /** One sentence per worker (of the service, or of any) that keeps failing; empty when none does. */
  failing(service?: string): string[] {
    const failing: string[] = [];
    for (const streak of this.streaks) {
      if (service !== undefined && streak.service !== service) continue;
      const sentence = streak.failing(this.threshold);
      if (sentence) failing.push(sentence);
    }
    return failing.sort();
  }

  /** Every worker running (of the service, or of any) with its failures in a row, below the threshold too. */
  workers(service?: string): Array<{ name: string; service: string; consecutiveFailures: number; lastSuccessAt: number | null }> {
    return [...this.streaks]
      .filter((streak) => service === undefined || streak.service === service)
      .map((streak) => ({ name: streak.name, service: streak.service, consecutiveFailures: streak.consecutiveFailures, lastSuccessAt: streak.lastSuccessAt }));
  }

  /** What a service's health query answers: `degraded` names what keeps failing. */
  report(service: string): ServiceHealth {
    const failing = this.failing(service);
    return failing.length === 0 ? { status: 'ok' } : { status: 'degraded', failing };
  }
}

/** The answer of every service's `<service>.query.health`. */
export type ServiceHealth = { status: 'ok' } | { status: 'degraded'; failing: string[] };

/** The service a worker belongs to, from its name: `identity_client_logins`, `notifications--identity`. */
export function serviceOfWorker(name: string): string {
  return name.split(/--|_/)[0];
}
