/**
 * Messaging at speed (issue 7), in the distributed mode, beside a raw NATS round trip of the same run:
 *   npm run bench:messaging           BENCH_QUICK=1 npm run bench:messaging
 * - messages/s sent by coaches through the gateway (8 at a time, across 8 clients);
 * - send-to-visible latency p50/p99: from sending to the message in the client's own thread.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { separateProcesses } from '../test/support/deployments';
import { Api, PASSWORD, newClient, signUp } from '../test/support/http';
import { pct, rawNatsRoundTrips, runLoad } from './lib/load';

const QUICK = process.env.BENCH_QUICK === '1';
const MESSAGES = QUICK ? 40 : 400;
const VISIBLE_SAMPLES = QUICK ? 10 : 100;
const CONCURRENCY = 8;

async function main() {
  const deployment = separateProcesses();
  const api = await deployment.start();
  try {
    const business = await signUp(api);
    const clients: Array<{ id: string; me: Api }> = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const body = newClient({ type: 'full_access' });
      const client = (await business.admin.post('/api/v1/clients', body)).body;
      let mail;
      for (;;) {
        mail = (await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(body.email)}`)).body.items[0];
        if (mail) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const token = /token=([A-Za-z0-9._-]+)/.exec(mail.text)![1];
      const login = await api.post('/api/v1/auth/accept-invitation', { token, password: PASSWORD });
      clients.push({ id: client.id, me: api.as(login.body.accessToken) });
    }

    const raw = await rawNatsRoundTrips(MESSAGES * 5, CONCURRENCY);
    await runLoad(20, CONCURRENCY, (i) => business.admin.post(`/api/v1/clients/${clients[i % CONCURRENCY].id}/messages`, { body: 'warm-up' }));
    const sending = await runLoad(MESSAGES, CONCURRENCY, async (i) => {
      const answer = await business.admin.post(`/api/v1/clients/${clients[i % CONCURRENCY].id}/messages`, { body: `Message ${i}: keep going!` });
      if (answer.status !== 201) throw new Error(`send answered ${answer.status}`);
    });

    const visible: number[] = [];
    for (let i = 0; i < VISIBLE_SAMPLES; i++) {
      const client = clients[i % CONCURRENCY];
      const body = `probe ${randomUUID()}`;
      const t = process.hrtime.bigint();
      await business.admin.post(`/api/v1/clients/${client.id}/messages`, { body });
      for (;;) {
        const thread = (await client.me.get('/api/v1/me/messages')).body.items as Array<{ body: string }>;
        if (thread.some((m) => m.body === body)) break;
      }
      visible.push(Number(process.hrtime.bigint() - t) / 1e6);
    }

    const figures = [
      { name: 'messages-throughput', unit: 'messages/s', value: MESSAGES / sending.seconds, floor: (MESSAGES * 5) / raw.seconds },
      { name: 'send-latency-p50', unit: 'ms', value: pct(sending.latencies, 0.5), floor: pct(raw.latencies, 0.5) },
      { name: 'send-latency-p99', unit: 'ms', value: pct(sending.latencies, 0.99), floor: pct(raw.latencies, 0.99) },
      { name: 'send-to-visible-p50', unit: 'ms', value: pct(visible, 0.5), floor: pct(raw.latencies, 0.5) },
      { name: 'send-to-visible-p99', unit: 'ms', value: pct(visible, 0.99), floor: pct(raw.latencies, 0.99) },
    ].map((f) => ({ ...f, ratio: f.value / f.floor }));
    console.log(`messaging benchmark, distributed mode${QUICK ? ' (BENCH_QUICK: smoke run, figures not meaningful)' : ''}: node ${process.version}`);
    for (const f of figures) console.log(`${f.name.padEnd(22)} ${f.value.toFixed(2).padStart(9)} ${f.unit.padEnd(12)} raw NATS ${f.floor.toFixed(2).padStart(9)}  ratio ${f.ratio.toFixed(2)}`);
    writeFileSync(join(__dirname, 'results.messaging.json'), `${JSON.stringify(figures, null, 2)}\n`);
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
