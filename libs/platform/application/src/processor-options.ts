import type { Leases } from '@clientele/platform/coordination';
import type { JsonLogger } from '@clientele/platform/logging';
import type { ProcessorRunnerOptions } from './processor-runner';

/**
 * The options every service gives its processor runners: failures and changes of leadership in
 * the service's log, and the leases of a replicated deployment (none in a single process).
 */
export function processorOptions(service: string, logger: JsonLogger, leases?: Leases): ProcessorRunnerOptions {
  return {
    leases,
    service,
    onError: (error, processor) => logger.error(`${processor} failed; resuming from its checkpoint`, (error as Error)?.stack ?? String(error), service),
    onLeadership: (processor, active, detail) =>
      active ? logger.log(`${processor} is active in this replica (${detail})`, service) : logger.warn(`${processor} stood down in this replica: ${detail}`, service),
  };
}
