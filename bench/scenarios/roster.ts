/**
 * The roster through the whole system, in the embedded deployment:
 * - `bulk-type`: a CSV import of 10,000 clients (one request, streamed in 200-row chunks), then
 *   all of them changed from offline to full_access_one_way by 20 bulk requests of 500; clients/s
 *   and changes/s from request to answer. Floor: the raw append rate, single-event transactions
 *   with raw better-sqlite3 (WAL, synchronous=FULL: one fsync each, the event store's durability),
 *   on the same file system, measured just before and just after each (the mean of the two);
 * - `projection-lag`: AddClient started at fixed rates (open loop), rising from 50/s to issue 23's
 *   400/s, 10 s each; for each, from its answer (accepted) to the client showing in the list (GET
 *   /api/v1/clients?search=<email>), and from sending it to the client showing; no floor. The
 *   highest rate that holds (every command succeeds, answer -> visible p99 <= 50 ms) is a figure of
 *   its own (target: 400/s); once a rate does not hold, 400/s is measured and the ladder ends.
 */
import { join } from 'node:path';
import { uniqueEmail } from '../../test/support/http';
import { scenarioOnBusiness } from '../lib/business';
import { Figure, targets } from '../lib/figures';
import { makeEvent, openRaw, rawInsert } from '../lib/fixtures';
import { HttpClient, openLoop } from '../lib/load';
import { pct } from '../lib/measure';
import type { ScenarioContext } from '../lib/scenario';
import { waitIdle } from '../lib/system';
import { addClientBody } from './command';

/** Raw appends/s: one event per BEGIN IMMEDIATE ... COMMIT, each to a new stream, sequentially. */
export function rawAppendRate(file: string, count: number): number {
  const db = openRaw(file);
  const insert = rawInsert(db);
  const events = Array.from({ length: count }, (_, i) => makeEvent(`client-raw${i}`));
  const append = db.transaction((i: number) => {
    const e = events[i];
    insert.run(e.id, `client-raw-${e.id}`, 'client', 0, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), new Date().toISOString());
  });
  try {
    const t = process.hrtime.bigint();
    for (let i = 0; i < count; i++) append.immediate(i);
    return count / (Number(process.hrtime.bigint() - t) / 1e9);
  } finally {
    db.close();
  }
}

export const bulkTypeScenario = scenarioOnBusiness({
  name: 'bulk-type',
  title: '10,000-client bulk type change (and the import before it), changes/s vs the raw append rate',
  needs: 'embedded',
  async run(context, system, { admin: api }) {
    const clients = context.quick ? 500 : 10_000;
    const rawCount = context.quick ? 200 : 2000;
    const raw = (name: string) => rawAppendRate(join(context.dir, `${name}.sqlite`), rawCount);
    const csv = ['firstName,lastName,email,phone,type', ...Array.from({ length: clients }, (_, i) => `Client${i},Bulk,${uniqueEmail(`b${i}`)},,offline`)].join('\n');
    const rawBeforeImport = raw('before-import');
    let t = process.hrtime.bigint();
    const imported = await api.expect<{ created: number }>(200, 'POST', '/api/v1/clients/import', csv, { 'content-type': 'text/csv' });
    const importRate = clients / (Number(process.hrtime.bigint() - t) / 1e9);
    const rawAfterImport = raw('after-import');
    if (imported.created !== clients) throw new Error(`the import created ${imported.created} of ${clients}`);
    await waitIdle(system, context.log);

    const ids: string[] = [];
    for (let page = 1; ids.length < clients; page++) {
      const list = await api.expect<{ items: Array<{ id: string }> }>(200, 'GET', `/api/v1/clients?pageSize=100&page=${page}&sort=createdAt`);
      if (list.items.length === 0) break;
      ids.push(...list.items.map((c) => c.id));
    }
    if (ids.length !== clients) throw new Error(`listed ${ids.length} of ${clients} clients`);

    const rawBeforeBulk = raw('before-bulk');
    t = process.hrtime.bigint();
    for (let i = 0; i < ids.length; i += 500) {
      const answer = await api.expect<{ summary: { changed: number } }>(200, 'POST', '/api/v1/clients/bulk/type', { clientIds: ids.slice(i, i + 500), type: 'full_access_one_way' });
      if (answer.summary.changed !== Math.min(500, ids.length - i)) throw new Error(`bulk change answered ${JSON.stringify(answer.summary)}`);
    }
    const bulkRate = ids.length / (Number(process.hrtime.bigint() - t) / 1e9);
    const rawAfterBulk = raw('after-bulk');
    context.log(
      `  raw appends/s before/after: import ${rawBeforeImport.toFixed(0)}/${rawAfterImport.toFixed(0)}, bulk ${rawBeforeBulk.toFixed(0)}/${rawAfterBulk.toFixed(0)}`,
    );
    const floorIs = 'raw single-event appends, synchronous=FULL';
    return [
      { scenario: 'bulk-type', name: `bulk-type-${clients}`, unit: 'changes/s', value: bulkRate, floor: (rawBeforeBulk + rawAfterBulk) / 2, floorIs, better: 'higher', target: targets.bulkRate },
      { scenario: 'bulk-type', name: `import-${clients}`, unit: 'clients/s', value: importRate, floor: (rawBeforeImport + rawAfterImport) / 2, floorIs, better: 'higher', target: targets.bulkRate },
    ] satisfies Figure[];
  },
});

/** Issue 23: at this rate every command succeeds and answer -> visible is at most 50 ms p99. */
const TARGET_RATE = 400;
const HOLDS_P99_MS = 50;

export const projectionLagScenario = scenarioOnBusiness({
  name: 'projection-lag',
  title: `AddClient accepted -> visible in the list, p50/p99, open loop at rising rates up to ${TARGET_RATE}/s; the highest rate that holds (no failure, p99 <= ${HOLDS_P99_MS} ms)`,
  needs: 'embedded',
  async run(context, system, { admin: api }) {
    // Warm-up, not at rate.
    for (let i = 0; i < 20; i++) await api.expect(201, 'POST', '/api/v1/clients', addClientBody(`lagwarm${i}`));
    const figures: Figure[] = [];
    // Rising rates, 10 s each. Once one does not hold, the rates between it and the target tell
    // nothing more (they hold even less): the target's own rate is measured, and the ladder ends.
    const ladder = context.quick ? [20, 40] : [50, 100, 150, 200, 300, TARGET_RATE];
    let highestHolding = 0;
    for (let k = 0; k < ladder.length; k++) {
      const rate = ladder[k];
      await waitIdle(system, context.log);
      const run = await lagAt(context, api, rate, context.quick ? rate : rate * 10);
      figures.push(...run.figures);
      if (!run.holds) {
        if (rate !== ladder[ladder.length - 1] && !context.quick) {
          await waitIdle(system, context.log);
          figures.push(...(await lagAt(context, api, TARGET_RATE, TARGET_RATE * 10)).figures);
        }
        break;
      }
      highestHolding = rate;
    }
    figures.push({
      scenario: 'projection-lag',
      name: 'projection-lag-highest-holding-rate',
      unit: 'cmd/s',
      value: highestHolding,
      floor: null,
      better: 'higher',
      target: targets.holdingRate,
    });
    context.log(
      `  highest offered rate that holds (every command succeeds, answer -> visible p99 <= ${HOLDS_P99_MS} ms): ${highestHolding ? `${highestHolding}/s` : `none of ${ladder.join(', ')}/s`}`,
    );
    return figures;
  },
});

async function lagAt(context: ScenarioContext, api: HttpClient, rate: number, count: number): Promise<{ figures: Figure[]; holds: boolean }> {
  const accepted: number[] = [];
  const visible: number[] = [];
  const sentToVisible: number[] = [];
  let firstLookHits = 0;
  const run = await openLoop(count, rate, async (i) => {
    const sent = process.hrtime.bigint();
    const body = addClientBody(`lag${rate}-${i}`);
    await api.expect(201, 'POST', '/api/v1/clients', body);
    const answered = process.hrtime.bigint();
    accepted.push(Number(answered - sent) / 1e6);
    for (let look = 0; ; look++) {
      const found = await api.expect<{ total: number }>(200, 'GET', `/api/v1/clients?search=${encodeURIComponent(body.email)}`);
      if (found.total === 1) {
        if (look === 0) firstLookHits++;
        break;
      }
      if (Number(process.hrtime.bigint() - answered) / 1e9 > 30) throw new Error(`client ${i} not in the list 30 s after its answer`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const seen = process.hrtime.bigint();
    visible.push(Number(seen - answered) / 1e6);
    sentToVisible.push(Number(seen - sent) / 1e6);
  });
  // At a fixed arrival rate an overloaded system answers errors (503 after the bus timeout): they
  // are a result here, counted and shown, not a broken benchmark.
  if (run.errors > 0) context.log(`  ${run.errors} of ${count} commands failed; first: ${run.firstError}`);
  if (visible.length === 0) throw new Error('no command succeeded');
  const p99 = pct(visible, 0.99);
  const holds = run.errors === 0 && p99 <= HOLDS_P99_MS;
  context.log(
    `  at ${rate}/s: ${count} commands started at ${run.achievedPerSecond.toFixed(0)}/s, all done in ${run.seconds.toFixed(1)} s ` +
      `(${(visible.length / run.seconds).toFixed(0)}/s); visible at the first list query after the answer: ${firstLookHits} of ${visible.length}; ` +
      `answer p50 ${pct(accepted, 0.5).toFixed(1)} / p99 ${pct(accepted, 0.99).toFixed(1)} ms after sending; answer -> visible p99 ${p99.toFixed(1)} ms: ${holds ? 'holds' : 'does not hold'}`,
  );
  const suffix = `-at-${rate}-per-s`;
  const base = { scenario: 'projection-lag', floor: null, better: 'lower' as const };
  // The issue's targets are judged at its rate; the other rates are the way there.
  const atTarget = rate === TARGET_RATE;
  return {
    holds,
    figures: [
      { ...base, name: `projection-lag${suffix}-p50`, unit: 'ms', value: pct(visible, 0.5) },
      { ...base, name: `projection-lag${suffix}-p99`, unit: 'ms', value: p99, ...(atTarget ? { target: targets.lagP99 } : {}) },
      { ...base, name: `projection-sent-to-visible${suffix}-p50`, unit: 'ms', value: pct(sentToVisible, 0.5) },
      { ...base, name: `projection-sent-to-visible${suffix}-p99`, unit: 'ms', value: pct(sentToVisible, 0.99) },
      { ...base, name: `projection-lag${suffix}-commands-per-s`, unit: 'cmd/s', value: visible.length / run.seconds, better: 'higher' as const },
      { ...base, name: `projection-lag${suffix}-failed`, unit: 'commands', value: run.errors, ...(atTarget ? { target: targets.noFailures } : {}) },
    ],
  };
}
