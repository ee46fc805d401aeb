/**
 * The distributed flows, each beside a raw nats.js request/reply round trip of the same run
 * (an echo responder in this process, 8 in flight, a payload the size of the request body):
 * - `checkout`: purchase -> enrolled client: from sending POST /api/v1/checkout to the buyer
 *   showing in the coach's client list, one purchase at a time, p50/p99 (the chain: gateway,
 *   billing appends the purchase, its outbox publishes to JetStream, the clients service's saga
 *   enrols the buyer, its projection shows it); also checkouts/s answered with 8 in flight and
 *   their latency;
 * - `messaging` (not in the table; kept from the per-area benchmarks): messages/s sent by
 *   coaches, and send -> visible in the client's own thread, p50/p99.
 */
import { randomUUID } from 'node:crypto';
import { mailToken, newClient, PASSWORD, uniqueEmail } from '../../test/support/http';
import { scenarioOnBusiness } from '../lib/business';
import { Figure, targets } from '../lib/figures';
import { HttpClient, rawNatsRoundTrips, runLoad, sleep } from '../lib/load';
import { pct } from '../lib/measure';
import { waitIdle } from '../lib/system';

const CONCURRENCY = 8;
/** Both scenarios' sizes: a burst of `load` requests, `CONCURRENCY` in flight, then `samples` one at a time for the latency. */
const sizes = (quick: boolean) => (quick ? { load: 40, samples: 10 } : { load: 400, samples: 100 });

export const checkoutScenario = scenarioOnBusiness({
  name: 'checkout',
  title: 'purchase -> enrolled client (distributed), p50/p99 vs a raw NATS round trip',
  needs: 'distributed',
  async run(context, system, { admin: coach, open }) {
    const { load: checkouts, samples } = sizes(context.quick);
    const anyone = open();
    const product = await coach.expect<{ id: string }>(201, 'POST', '/api/v1/products', { name: 'Bench', price: { amount: 1000, currency: 'EUR' } });
    const buy = (email: string) =>
      anyone.expect(201, 'POST', '/api/v1/checkout', { productId: product.id, buyer: { firstName: 'Kim', lastName: 'Buyer', email } }, { 'idempotency-key': randomUUID() });
    const total = async () => (await coach.expect<{ total: number }>(200, 'GET', '/api/v1/clients?pageSize=1')).total;

    await runLoad(20, CONCURRENCY, () => buy(uniqueEmail('warm')));
    const raw = await rawNatsRoundTrips(checkouts * 5, CONCURRENCY);
    await waitIdle(system, context.log);
    // The CPU of every process of the deployment, from the burst's first purchase to its last
    // enrolment: what one purchase costs through the whole chain (the 'total' polls add a little).
    const cpuBefore = system.cpuMs();
    const load = await runLoad(checkouts, CONCURRENCY, () => buy(uniqueEmail('tp')));
    if (load.errors) throw new Error(`${load.errors} checkouts failed: ${load.firstError}`);
    // The enrolments of that burst finish first, so the samples below do not wait behind a backlog.
    const drained = Date.now();
    while ((await total()) < checkouts + 20) {
      if (Date.now() - drained > 180_000) throw new Error('the enrolments did not catch up within 180 s');
      await sleep(100);
    }
    const drainSeconds = (Date.now() - drained) / 1000;
    await waitIdle(system, context.log);
    const cpuPerPurchase = (system.cpuMs() - cpuBefore) / checkouts;

    const enrolled: number[] = [];
    for (let i = 0; i < samples; i++) {
      const email = uniqueEmail(`lag${i}`);
      const t = process.hrtime.bigint();
      await buy(email);
      for (;;) {
        const found = await coach.expect<{ total: number }>(200, 'GET', `/api/v1/clients?search=${encodeURIComponent(email)}`);
        if (found.total === 1) break;
        if (Number(process.hrtime.bigint() - t) / 1e9 > 30) throw new Error(`buyer ${email} not enrolled within 30 s`);
        await sleep(2);
      }
      enrolled.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    context.log(
      `  ${checkouts} checkouts, ${CONCURRENCY} in flight: ${(checkouts / load.seconds).toFixed(0)}/s answered; their enrolments caught up ${drainSeconds.toFixed(1)} s after the last answer ` +
        `(${((checkouts + 20) / (load.seconds + drainSeconds)).toFixed(0)} enrolments/s); ${samples} purchases one at a time for the latency`,
    );
    const floorIs = 'raw NATS request/reply';
    const base = { scenario: 'checkout', floorIs };
    return [
      { ...base, name: 'checkout-to-enrolled-p50', unit: 'ms', value: pct(enrolled, 0.5), floor: pct(raw.latencies, 0.5), better: 'lower', target: targets.checkoutEnrolledP50 },
      { ...base, name: 'checkout-to-enrolled-p99', unit: 'ms', value: pct(enrolled, 0.99), floor: pct(raw.latencies, 0.99), better: 'lower' },
      { ...base, name: 'checkout-throughput', unit: 'req/s', value: checkouts / load.seconds, floor: raw.latencies.length / raw.seconds, better: 'higher' },
      { ...base, name: 'checkout-answer-p50', unit: 'ms', value: pct(load.latencies, 0.5), floor: pct(raw.latencies, 0.5), better: 'lower' },
      { ...base, name: 'checkout-answer-p99', unit: 'ms', value: pct(load.latencies, 0.99), floor: pct(raw.latencies, 0.99), better: 'lower' },
      // Every process's CPU per purchase, answered and enrolled: one at a time, most of it runs in
      // sequence along the chain, so it bounds checkout -> enrolled from below.
      { ...base, name: 'checkout-cpu-per-purchase', unit: 'ms CPU', value: cpuPerPurchase, floor: null, floorIs: 'none', better: 'lower' },
    ] satisfies Figure[];
  },
});

export const messagingScenario = scenarioOnBusiness({
  name: 'messaging',
  title: 'coach -> client messages (distributed): messages/s, send -> visible in the client thread p50/p99, vs a raw NATS round trip',
  needs: 'distributed',
  async run(context, system, { admin: coach, open }) {
    const { load: messages, samples } = sizes(context.quick);
    const clients: Array<{ id: string; me: HttpClient }> = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const body = newClient({ type: 'full_access' });
      const client = await coach.expect<{ id: string }>(201, 'POST', '/api/v1/clients', body);
      const token = await mailToken(system.api, body.email, 'invitation', 30_000);
      const login = await system.api.post('/api/v1/auth/accept-invitation', { token, password: PASSWORD });
      if (login.status !== 200 && login.status !== 201) throw new Error(`accept-invitation answered ${login.status}`);
      clients.push({ id: client.id, me: open((login.body as { accessToken: string }).accessToken) });
    }
    const send = (i: number, body: string) => coach.expect(201, 'POST', `/api/v1/clients/${clients[i % CONCURRENCY].id}/messages`, { body });
    await runLoad(20, CONCURRENCY, (i) => send(i, 'warm-up'));
    const raw = await rawNatsRoundTrips(messages * 5, CONCURRENCY);
    const load = await runLoad(messages, CONCURRENCY, (i) => send(i, `Message ${i}: keep going!`));
    if (load.errors) throw new Error(`${load.errors} sends failed: ${load.firstError}`);
    await waitIdle(system, context.log);
    const visible: number[] = [];
    for (let i = 0; i < samples; i++) {
      const client = clients[i % CONCURRENCY];
      const body = `probe ${randomUUID()}`;
      const t = process.hrtime.bigint();
      await send(i, body);
      for (;;) {
        const thread = await client.me.expect<{ items: Array<{ body: string }> }>(200, 'GET', '/api/v1/me/messages');
        if (thread.items.some((m) => m.body === body)) break;
        if (Number(process.hrtime.bigint() - t) / 1e9 > 30) throw new Error('a message did not show within 30 s');
      }
      visible.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const floorIs = 'raw NATS request/reply';
    const base = { scenario: 'messaging', floorIs };
    return [
      { ...base, name: 'messaging-throughput', unit: 'messages/s', value: messages / load.seconds, floor: raw.latencies.length / raw.seconds, better: 'higher' },
      { ...base, name: 'messaging-send-p50', unit: 'ms', value: pct(load.latencies, 0.5), floor: pct(raw.latencies, 0.5), better: 'lower' },
      { ...base, name: 'messaging-send-to-visible-p50', unit: 'ms', value: pct(visible, 0.5), floor: pct(raw.latencies, 0.5), better: 'lower', target: targets.latencyP50 },
      { ...base, name: 'messaging-send-to-visible-p99', unit: 'ms', value: pct(visible, 0.99), floor: pct(raw.latencies, 0.99), better: 'lower' },
    ] satisfies Figure[];
  },
});
