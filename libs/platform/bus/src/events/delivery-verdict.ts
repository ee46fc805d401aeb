import { ConsumerOptions, DEFAULT_MAX_DELIVERIES, DEFAULT_RETRY_DELAYS_MS, describeError, retryDelay } from '../bus.port';

/** What a consumer does with a message once its handler has had one delivery of it. */
export type DeliveryVerdict =
  | { kind: 'ack' }
  | { kind: 'retry'; delayMs: number }
  /** The last allowed delivery failed: record a dead letter (with this error) and move on. */
  | { kind: 'dead-letter'; error: string };

/** The consumer settings the verdict depends on. */
export type DeliveryBounds = Pick<ConsumerOptions, 'maxDeliveries' | 'retryDelaysMs'>;

/**
 * The one rule every bus adapter settles a delivery by. `failure` is what the handler threw, `null`
 * when it returned. Pure: the adapter does the acknowledging, the waiting and the recording.
 */
export function deliveryVerdict(failure: unknown, deliveryCount: number, bounds: DeliveryBounds): DeliveryVerdict {
  if (failure === null) return { kind: 'ack' };
  if (deliveryCount >= (bounds.maxDeliveries ?? DEFAULT_MAX_DELIVERIES)) return { kind: 'dead-letter', error: describeError(failure) };
  return { kind: 'retry', delayMs: retryDelay(bounds.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, deliveryCount) };
}

/**
 * Runs `handle` for this delivery and returns its verdict; never rejects for the handler's sake. A
 * count already past the bound (the process stopped while handling the last allowed delivery) is a
 * failure without running the handler again, so the message is dead-lettered rather than looping.
 */
export async function attemptDelivery(deliveryCount: number, bounds: DeliveryBounds, handle: () => Promise<void>): Promise<DeliveryVerdict> {
  const maxDeliveries = bounds.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
  let failure: unknown = null;
  try {
    if (deliveryCount > maxDeliveries) {
      throw new Error(`still failing after ${maxDeliveries} deliveries (the process stopped while handling it)`);
    }
    await handle();
  } catch (error) {
    failure = error;
  }
  return deliveryVerdict(failure, deliveryCount, bounds);
}
