import { attemptDelivery, deliveryVerdict } from './delivery-verdict';

describe('deliveryVerdict', () => {
  it('acknowledges a delivery whose handler returned, whatever its count', () => {
    expect(deliveryVerdict(null, 1, {})).toEqual({ kind: 'ack' });
    expect(deliveryVerdict(null, 9, { maxDeliveries: 2 })).toEqual({ kind: 'ack' });
  });

  it('retries a failure below the bound, after the default delay for its count (the last repeats)', () => {
    const failure = new Error('boom');
    expect([1, 2, 3, 4].map((count) => deliveryVerdict(failure, count, {}))).toEqual([
      { kind: 'retry', delayMs: 200 },
      { kind: 'retry', delayMs: 1000 },
      { kind: 'retry', delayMs: 5000 },
      { kind: 'retry', delayMs: 5000 },
    ]);
  });

  it("retries after the consumer's own delays", () => {
    expect(deliveryVerdict('nope', 1, { retryDelaysMs: [10, 20], maxDeliveries: 4 })).toEqual({ kind: 'retry', delayMs: 10 });
    expect(deliveryVerdict('nope', 3, { retryDelaysMs: [10, 20], maxDeliveries: 4 })).toEqual({ kind: 'retry', delayMs: 20 });
    expect(deliveryVerdict('nope', 1, { retryDelaysMs: [] })).toEqual({ kind: 'retry', delayMs: 0 });
  });

  it('dead-letters a failure of the last allowed delivery (default 5), or of one past it', () => {
    expect(deliveryVerdict(new TypeError('bad data'), 5, {})).toEqual({ kind: 'dead-letter', error: 'TypeError: bad data' });
    expect(deliveryVerdict('gave up', 2, { maxDeliveries: 2 })).toEqual({ kind: 'dead-letter', error: 'gave up' });
    expect(deliveryVerdict('gave up', 3, { maxDeliveries: 2 })).toEqual({ kind: 'dead-letter', error: 'gave up' });
  });
});

describe('attemptDelivery', () => {
  it('runs the handler and gives the verdict on how it ended', async () => {
    const handle = jest.fn(async () => undefined);
    await expect(attemptDelivery(1, {}, handle)).resolves.toEqual({ kind: 'ack' });
    expect(handle).toHaveBeenCalledTimes(1);
    await expect(attemptDelivery(1, {}, async () => Promise.reject(new Error('boom')))).resolves.toEqual({ kind: 'retry', delayMs: 200 });
    await expect(attemptDelivery(3, { maxDeliveries: 3 }, async () => Promise.reject(new Error('boom')))).resolves.toEqual({
      kind: 'dead-letter',
      error: 'Error: boom',
    });
  });

  it('does not run the handler again for a count past the bound, and dead-letters the message', async () => {
    const handle = jest.fn(async () => undefined);
    await expect(attemptDelivery(4, { maxDeliveries: 3 }, handle)).resolves.toEqual({
      kind: 'dead-letter',
      error: 'Error: still failing after 3 deliveries (the process stopped while handling it)',
    });
    expect(handle).not.toHaveBeenCalled();
  });
});
