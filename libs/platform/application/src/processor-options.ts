import type { Leases } from '@clientele/platform/coordination';
import type { JsonLogger } from '@clientele/platform/logging';
import type { ProcessorRunnerOptions } from './processor-runner';

/** What a service's host gives it that its processor runners use (every service's deps extend it). */
export interface ProcessorHosting {
  logger: JsonLogger;
  /** A replicated deployment's leases: one active replica per processor (none in a single process). */
  leases?: Leases;
  /** How long a command waits for a read model before answering 503 (default `DEFAULT_READ_MODEL_WAIT_MS`). */
  readModelWaitMs?: number;
}

/**
 * The options every service gives its processor runners: failures and changes of leadership in
 * the service's log, the leases of a replicated deployment, and how long commands wait for them.
 */
export function processorOptions(service: string, { logger, leases, readModelWaitMs }: ProcessorHosting): ProcessorRunnerOptions {
  return {
    leases,
    service,
    readModelWaitMs,
    onError: (error, processor) => logger.error(`${processor} failed; resuming from its checkpoint`, (error as Error)?.stack ?? String(error), service),
    onLeadership: (processor, active, detail) =>
      active ? logger.log(`${processor} is active in this replica (${detail})`, service) : logger.warn(`${processor} stood down in this replica: ${detail}`, service),
  };
}
