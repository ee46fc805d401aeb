/**
 * Checkout at speed (issue 6), in the distributed mode (every service its own process over NATS,
 * SQLite stores), beside a raw NATS request/reply round trip measured in the same run:
 *   npm run bench:checkout           BENCH_QUICK=1 npm run bench:checkout
 * - checkouts/s through the gateway (8 at a time), against raw round trips/s (8 at a time);
 * - checkout latency p50/p99, against the raw round trip p50/p99;
 * - enrolment lag p50/p99: from the checkout's answer to the buyer showing in the client list.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { separateProcesses } from '../test/support/deployments';
import { signUp, uniqueEmail } from '../test/support/http';
import { pct, rawNatsRoundTrips, runLoad } from './lib/load';

const QUICK = process.env.BENCH_QUICK === '1';
const CHECKOUTS = QUICK ? 40 : 400;
const LAG_SAMPLES = QUICK ? 10 : 100;
const CONCURRENCY = 8;

async function main() {
  const deployment = separateProcesses();
  const api = await deployment.start();
  try {
    const business = await signUp(api);
    const product = (await business.admin.post('/api/v1/products', { name: 'Bench', price: { amount: 1000, currency: 'EUR' } })).body;
    const buy = (email: string) =>
      api.post('/api/v1/checkout', { productId: product.id, buyer: { firstName: 'Kim', lastName: 'Buyer', email } }, { 'idempotency-key': randomUUID() });

    const raw = await rawNatsRoundTrips(CHECKOUTS * 5, CONCURRENCY);
    await runLoad(20, CONCURRENCY, () => buy(uniqueEmail('warm')));
    const checkouts = await runLoad(CHECKOUTS, CONCURRENCY, async () => {
      const answer = await buy(uniqueEmail('tp'));
      if (answer.status !== 201) throw new Error(`checkout answered ${answer.status}`);
    });

    // Let the enrolments of the throughput run finish first, so the lag below is not a backlog.
    const drained = Date.now();
    while ((await business.admin.get('/api/v1/clients?pageSize=1')).body.total < CHECKOUTS + 20) {
      if (Date.now() - drained > 120_000) throw new Error('the enrolments did not catch up');
      await new Promise((r) => setTimeout(r, 100));
    }
    const drainSeconds = (Date.now() - drained) / 1000;
    const enrolmentRate = (CHECKOUTS + 20) / (checkouts.seconds + drainSeconds);

    // Enrolment lag, one purchase at a time: answer -> visible in the list.
    const lags: number[] = [];
    for (let i = 0; i < LAG_SAMPLES; i++) {
      const email = uniqueEmail(`lag${i}`);
      await buy(email);
      const t = process.hrtime.bigint();
      for (;;) {
        const found = await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`);
        if (found.body.total === 1) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      lags.push(Number(process.hrtime.bigint() - t) / 1e6);
    }

    const figures = [
      { name: 'checkout-throughput', unit: 'checkouts/s', value: CHECKOUTS / checkouts.seconds, floor: (CHECKOUTS * 5) / raw.seconds },
      { name: 'enrolment-throughput', unit: 'clients/s', value: enrolmentRate, floor: (CHECKOUTS * 5) / raw.seconds },
      { name: 'checkout-latency-p50', unit: 'ms', value: pct(checkouts.latencies, 0.5), floor: pct(raw.latencies, 0.5) },
      { name: 'checkout-latency-p99', unit: 'ms', value: pct(checkouts.latencies, 0.99), floor: pct(raw.latencies, 0.99) },
      { name: 'enrolment-lag-p50', unit: 'ms', value: pct(lags, 0.5), floor: pct(raw.latencies, 0.5) },
      { name: 'enrolment-lag-p99', unit: 'ms', value: pct(lags, 0.99), floor: pct(raw.latencies, 0.99) },
    ].map((f) => ({ ...f, ratio: f.value / f.floor }));
    console.log(`checkout benchmark, distributed mode${QUICK ? ' (BENCH_QUICK: smoke run, figures not meaningful)' : ''}: node ${process.version}`);
    for (const f of figures) console.log(`${f.name.padEnd(22)} ${f.value.toFixed(2).padStart(9)} ${f.unit.padEnd(12)} raw NATS ${f.floor.toFixed(2).padStart(9)}  ratio ${f.ratio.toFixed(2)}`);
    writeFileSync(join(__dirname, 'results.checkout.json'), `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await deployment.stop();
    await deployment.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
