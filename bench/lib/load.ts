import { connect } from 'nats';
import { randomUUID } from 'node:crypto';

/** Percentile of a list of figures. */
export function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Runs `work` `count` times with `concurrency` in flight; answers the wall time and each call's latency (ms). */
export async function runLoad<T>(count: number, concurrency: number, work: (i: number) => Promise<T>): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = process.hrtime.bigint();
        await work(i);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies };
}

/** The floor of every distributed figure: a raw nats.js request/reply round trip to an echo responder. */
export async function rawNatsRoundTrips(count: number, concurrency: number, payloadBytes = 200): Promise<{ seconds: number; latencies: number[] }> {
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const subject = `bench.echo.${randomUUID()}`;
  nc.subscribe(subject, { callback: (_err, msg) => msg.respond(msg.data) });
  const payload = new Uint8Array(payloadBytes).fill(120);
  await runLoad(200, concurrency, () => nc.request(subject, payload, { timeout: 5000 }));
  const measured = await runLoad(count, concurrency, () => nc.request(subject, payload, { timeout: 5000 }));
  await nc.close();
  return measured;
}
