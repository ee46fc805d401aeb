import { AppError, ErrorCodes, UnavailableError } from '@clientele/platform/core';

/**
 * For reactions (consumers and processors, where nobody waits for an answer): a request to a
 * service that does not answer (restarting after a crash, say) is tried again, backing off from
 * 250 ms to 2 s, for up to `patienceMs`, instead of failing the delivery. A consumer's own
 * redeliveries are for events that fail on their own; spending them on a neighbour's outage
 * dead-letters every event of that minute. Any other error is thrown at once.
 */
export async function untilAvailable<T>(call: () => Promise<T>, patienceMs = 120_000): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (let pause = 250; ; pause = Math.min(pause * 2, 2_000)) {
    try {
      return await call();
    } catch (error) {
      const unavailable = error instanceof UnavailableError || (error instanceof AppError && error.code === ErrorCodes.unavailable);
      if (!unavailable || Date.now() + pause > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
