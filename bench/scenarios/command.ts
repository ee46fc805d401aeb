/**
 * `command-embedded` and `command-distributed`: AddClient (POST /api/v1/clients) through the
 * gateway, requests/s and latency p50/p99 with 8 in flight, latency p50 one at a time, and the
 * servers' CPU time per request.
 *
 * - embedded: one process (bench/servers/embedded.ts); floor: a raw HTTP echo route on the same
 *   server (Node's HTTP server answers it before Fastify and Nest), same body, same client.
 * - distributed: one process per service over NATS; floor: a raw nats.js request/reply round trip to a
 *   responder process that appends one event with raw better-sqlite3 (one fsync) before it
 *   answers (bench/servers/raw-append-responder.ts), same payload, same concurrency.
 *
 * The body adds a full_access client without an invitation (sendInvitation: false): the command's
 * own work (roster enrolment, the client's stream, its key, the list projection, which the answer
 * waits for), not the invitation mail that follows it (checkout measures that kind of chain).
 * Rounds alternate subject and floor; the figures are the medians over the rounds.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { connect } from 'nats';
import { signUp, uniqueEmail } from '../../test/support/http';
import { scenarioOnBusiness } from '../lib/business';
import { Figure, targets } from '../lib/figures';
import { makeEvent, openRaw, rawInsert } from '../lib/fixtures';
import { HttpClient, LoadResult, natsUrl, runLoad } from '../lib/load';
import { median, pct } from '../lib/measure';
import type { ScenarioContext } from '../lib/scenario';
import { forkTs, processStats, RunningSystem, stopChild, waitIdle } from '../lib/system';

const CONCURRENCY = 8;
const ECHO_PATH = '/__bench/echo';

export const addClientBody = (tag: string) => ({
  firstName: 'Ada',
  lastName: `Bench ${tag}`,
  email: uniqueEmail(`cmd-${tag}`),
  type: 'full_access',
  sendInvitation: false,
});

interface Side {
  /** One call; throws on anything but success. */
  call(i: number): Promise<unknown>;
  /** CPU time used so far by the processes doing the work, ms. */
  cpuMs(): number;
}

interface RoundFigures {
  rps: number;
  p50: number;
  p99: number;
  cpuPerCall: number;
}

async function loadRound(side: Side, count: number, concurrency: number): Promise<RoundFigures> {
  const cpu = side.cpuMs();
  const result: LoadResult = await runLoad(count, concurrency, (i) => side.call(i));
  if (result.errors > 0) throw new Error(`${result.errors} of ${count} calls failed; first: ${result.firstError}`);
  return {
    rps: count / result.seconds,
    p50: pct(result.latencies, 0.5),
    p99: pct(result.latencies, 0.99),
    cpuPerCall: (side.cpuMs() - cpu) / count,
  };
}

/** Alternating rounds of subject and floor; medians of each figure over the rounds. */
export async function compare(
  context: ScenarioContext,
  system: RunningSystem,
  prefix: string,
  subject: Side,
  floor: Side,
  floorIs: string,
): Promise<Figure[]> {
  // Each load starts on an idle system: what the previous one left behind is not timed here.
  const settle = () => waitIdle(system, context.log);
  const q = context.quick;
  const rounds = q ? 1 : 3;
  const subjectCount = q ? 80 : 600;
  const floorCount = q ? 400 : 3000;
  const sequential = q ? 20 : 150;
  // Warm-up: JIT, connections, statement caches, the account's roster state.
  await runLoad(q ? 20 : 100, CONCURRENCY, (i) => subject.call(i));
  await runLoad(q ? 100 : 500, CONCURRENCY, (i) => floor.call(i));
  const s: RoundFigures[] = [];
  const f: RoundFigures[] = [];
  const s1: number[] = [];
  const f1: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['s', 'f'] as const) : (['f', 's'] as const);
    for (const which of order) {
      if (which === 's') {
        await settle();
        s.push(await loadRound(subject, subjectCount, CONCURRENCY));
        await settle();
        s1.push((await loadRound(subject, sequential, 1)).p50);
      } else {
        await settle();
        f.push(await loadRound(floor, floorCount, CONCURRENCY));
        f1.push((await loadRound(floor, sequential * 4, 1)).p50);
      }
    }
    context.log(
      `  round ${round + 1}: ${prefix} ${s[round].rps.toFixed(0)}/s p50 ${s[round].p50.toFixed(2)} p99 ${s[round].p99.toFixed(2)} ms (1 in flight: p50 ${s1[round].toFixed(2)} ms), ` +
        `floor ${f[round].rps.toFixed(0)}/s p50 ${f[round].p50.toFixed(2)} p99 ${f[round].p99.toFixed(2)} ms (1 in flight: p50 ${f1[round].toFixed(2)} ms)`,
    );
  }
  const m = (xs: RoundFigures[], key: keyof RoundFigures) => median(xs.map((x) => x[key]));
  const base = { scenario: prefix, floorIs };
  return [
    { ...base, name: `${prefix}-throughput`, unit: 'req/s', value: m(s, 'rps'), floor: m(f, 'rps'), better: 'higher' },
    { ...base, name: `${prefix}-p50`, unit: 'ms', value: m(s, 'p50'), floor: m(f, 'p50'), better: 'lower', target: targets.latencyP50 },
    { ...base, name: `${prefix}-p99`, unit: 'ms', value: m(s, 'p99'), floor: m(f, 'p99'), better: 'lower' },
    { ...base, name: `${prefix}-p50-1-in-flight`, unit: 'ms', value: median(s1), floor: median(f1), better: 'lower', target: targets.latencyP50 },
    { ...base, name: `${prefix}-cpu-per-request`, unit: 'ms CPU', value: m(s, 'cpuPerCall'), floor: m(f, 'cpuPerCall'), better: 'lower' },
  ];
}

/** The subject side of the command scenarios: AddClient through `client` (a business owner's), and the CPU time of the whole deployment. */
export function addClientCalls(system: RunningSystem, client: HttpClient): Side {
  return {
    call: (i) => client.expect(201, 'POST', '/api/v1/clients', addClientBody(String(i))),
    cpuMs: () => system.cpuMs(),
  };
}

/** `addClientCalls` for a business signed up here, for a scenario that runs its own deployment (it closes `client`). */
export async function addClientSide(system: RunningSystem): Promise<{ side: Side; client: HttpClient }> {
  const business = await signUp(system.api);
  const client = new HttpClient(system.url, business.token);
  return { client, side: addClientCalls(system, client) };
}

/** p50 latency (ms) of a raw single-event append with one fsync, sequential, on this file system. */
function rawAppendLatency(file: string, count: number): number {
  const db = openRaw(file);
  const insert = rawInsert(db);
  const append = db.transaction((i: number) => {
    const e = makeEvent(`client-lat${i}`);
    insert.run(e.id, `client-lat-${e.id}`, 'client', 0, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), new Date().toISOString());
  });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t = process.hrtime.bigint();
      append.immediate(i);
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return pct(latencies, 0.5);
  } finally {
    db.close();
  }
}

export const commandEmbeddedScenario = scenarioOnBusiness({
  name: 'command-embedded',
  title: 'AddClient through the gateway, one process: req/s, p50/p99 vs a raw HTTP echo route on the same server',
  needs: 'embedded',
  async run(context, system, { admin, open }) {
    const side = addClientCalls(system, admin);
    const echo = open();
    const figures = await compare(context, system, 'command-embedded', side, {
      call: (i) => echo.expect(200, 'POST', ECHO_PATH, addClientBody(`echo${i}`)),
      cpuMs: () => system.cpuMs(),
    }, 'raw HTTP echo, same server');
    // Context for the latency target: an AddClient answer waits for three durable writes (the
    // roster append, the client's key, the client's stream), each one fsync; no implementation
    // of the command can answer before them. This floor is the echo plus three raw appends.
    const fsync = rawAppendLatency(join(context.dir, 'raw-latency.sqlite'), context.quick ? 50 : 300);
    const echo1 = figures.find((f) => f.name === 'command-embedded-p50-1-in-flight')!;
    context.log(`  raw single-event append (one fsync) p50 ${fsync.toFixed(3)} ms on this file system`);
    figures.push({
      ...echo1,
      name: 'command-embedded-p50-1-in-flight-vs-durable',
      floor: echo1.floor! + 3 * fsync,
      floorIs: 'echo + 3 raw appends',
    });
    context.log(`  server process: RSS ${processStats(system.processes()[0].pid).rssMb.toFixed(0)} MB, peak ${processStats(system.processes()[0].pid).peakRssMb.toFixed(0)} MB`);
    return figures;
  },
});

export const commandDistributedScenario = scenarioOnBusiness({
  name: 'command-distributed',
  title: 'AddClient through the gateway, one process per service over NATS: req/s, p50/p99 vs raw nats.js request/reply + raw append',
  needs: 'distributed',
  async run(context, system, { admin }) {
    const side = addClientCalls(system, admin);
    const subject = `bench.raw-append.${randomUUID()}`;
    const responder = await forkTs<string>('bench/servers/raw-append-responder.ts', [subject, join(context.dir, 'raw-append.sqlite')], { NATS_URL: natsUrl() });
    const nc = await connect({ servers: natsUrl() });
    const encoder = new TextEncoder();
    try {
      const figures = await compare(
        context,
        system,
        'command-distributed',
        side,
        {
          call: async (i) => {
            const envelope = { correlationId: randomUUID(), actor: { id: 'bench', accountId: 'bench', role: 'admin' }, data: addClientBody(`raw${i}`) };
            await nc.request(subject, encoder.encode(JSON.stringify(envelope)), { timeout: 5000 });
          },
          cpuMs: () => processStats(responder.child.pid!).cpuMs,
        },
        'raw NATS request/reply + raw append',
      );
      const rss = system.processes().map((p) => `${p.name} ${processStats(p.pid).peakRssMb.toFixed(0)}`);
      context.log(`  peak RSS per process (MB): ${rss.join(', ')}`);
      return figures;
    } finally {
      await nc.close();
      await stopChild(responder.child);
    }
  },
});
