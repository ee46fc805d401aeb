/**
 * Asks `probe` again until `accept` takes its answer or the time is up, and answers the last value
 * either way: the test's own assertion on it then says what was wrong, rather than a timeout.
 * For what the system makes true a little later (projections, reactions, mails).
 */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, { timeoutMs = 10_000, intervalMs = 100 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
