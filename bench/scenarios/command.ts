/**
 * `command-embedded` and `command-distributed`: AddClient (POST /api/v1/clients) through the
 * gateway, requests/s and latency p50/p99 with 8 in flight, latency p50 one at a time, and the
 * servers' CPU time per request.
 *
 * - embedded: one process (bench/servers/embedded.ts); floor: a raw HTTP echo route on the same
 *   server (Node's HTTP server answers it before Fastify and Nest), same body, same client; peer
 *   (issue 23): the AddClient a team would write instead, NestJS on Fastify over one SQLite table
 *   with the seat and e-mail rules as SQL (bench/peers/), in a process of its own, same body, same
 *   client, same concurrency. Target: Clientele's throughput at 8 in flight >= 0.5 of the peer's;
 *   baseline (issue 23): the code before issue 23's first cut, from a git worktree, its own embedded
 *   process, measured in the same rounds (bench/lib/baseline.ts). Targets (issue 23): throughput
 *   >= 3x the baseline's, CPU <= 1.0 ms per request, p50 one in flight <= 2x the durable floor.
 * - distributed: one process per service over NATS; floor: a raw nats.js request/reply round trip to a
 *   responder process that appends one event with raw better-sqlite3 (one fsync) before it
 *   answers (bench/servers/raw-append-responder.ts), same payload, same concurrency. Target (issue
 *   23): p50 one in flight <= 4x the floor's.
 *
 * The body adds a full_access client without an invitation (sendInvitation: false): the command's
 * own work (roster enrolment, the client's stream, its key, the list projection, which the answer
 * waits for), not the invitation mail that follows it (checkout measures that kind of chain).
 * Rounds alternate subject and floor (and peer), rotating which goes first; the figures are the
 * medians over the rounds.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { connect } from 'nats';
import { signUp, uniqueEmail } from '../../test/support/http';
import { scenarioOnBusiness } from '../lib/business';
import { Figure, Target, targets } from '../lib/figures';
import type { PeerReady } from '../peers/server';
import { makeEvent, openRaw, rawInsert } from '../lib/fixtures';
import { HttpClient, LoadResult, natsUrl, runLoad } from '../lib/load';
import { median, pct } from '../lib/measure';
import type { ScenarioContext } from '../lib/scenario';
import { baselineRevision, checkOutBaseline } from '../lib/baseline';
import { forkTs, processStats, profileFlags, RunningSystem, startEmbedded, stopChild, waitIdle } from '../lib/system';

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

/** A peer measured beside the subject: the same calls done by another implementation. */
export interface PeerSide extends Side {
  /** What it is, in a few words (printed once). */
  is: string;
}

/** The same calls against the code before issue 23, re-measured in the same run (bench/lib/baseline.ts). */
export interface BaselineSide extends Side {
  /** The git revision it runs. */
  rev: string;
  /** Its own deployment: every load starts with both idle. */
  system: RunningSystem;
}

/** Which target each figure of `compare` is judged by (none where absent). */
export interface CompareTargets {
  p50?: Target;
  p50OneInFlight?: Target;
  cpuPerRequest?: Target;
}

/**
 * Alternating rounds of subject and floor (and peer, and baseline, when given), rotating which
 * goes first; medians of each figure over the rounds. The peer's figures go into the subject's
 * figures' `peer` (throughput, p50/p99 with 8 in flight, p50 one in flight, CPU per request), so
 * each prints and records its peerRatio; with a peer, the throughput's target is >= 0.5 of the
 * peer's. With a baseline, `<prefix>-throughput-vs-baseline` has the baseline's throughput as its
 * floor (target: 3x, issue 23).
 */
export async function compare(
  context: ScenarioContext,
  system: RunningSystem,
  prefix: string,
  subject: Side,
  floor: Side,
  floorIs: string,
  options: { peer?: PeerSide; baseline?: BaselineSide; targets?: CompareTargets } = {},
): Promise<Figure[]> {
  const { peer, baseline } = options;
  const goals = options.targets ?? {};
  // Each load starts on an idle system (and an idle baseline): what the previous one left behind is not timed here.
  const settle = async () => {
    await waitIdle(system, context.log);
    if (baseline) await waitIdle(baseline.system, context.log);
  };
  const q = context.quick;
  const rounds = q ? 1 : 3;
  const subjectCount = q ? 80 : 600;
  const floorCount = q ? 400 : 3000;
  // The peer answers several times faster than the subject: more calls, for a load of similar length.
  const peerCount = q ? 200 : 2000;
  const sequential = q ? 20 : 150;
  // Warm-up: JIT, connections, statement caches, the account's roster state.
  await runLoad(q ? 20 : 100, CONCURRENCY, (i) => subject.call(i));
  await runLoad(q ? 100 : 500, CONCURRENCY, (i) => floor.call(i));
  if (peer) await runLoad(q ? 50 : 300, CONCURRENCY, (i) => peer.call(i));
  if (baseline) await runLoad(q ? 20 : 100, CONCURRENCY, (i) => baseline.call(i));
  const s: RoundFigures[] = [];
  const f: RoundFigures[] = [];
  const p: RoundFigures[] = [];
  const b: RoundFigures[] = [];
  const s1: number[] = [];
  const f1: number[] = [];
  const p1: number[] = [];
  const b1: number[] = [];
  const sides = (['s', 'f', 'p', 'b'] as const).filter((side) => (side === 'p' ? peer : side === 'b' ? baseline : true));
  for (let round = 0; round < rounds; round++) {
    // Each side goes first once in every `sides.length` rounds: drift falls on all alike.
    const order = sides.map((_, k) => sides[(k + round) % sides.length]);
    for (const which of order) {
      if (which === 's') {
        await settle();
        s.push(await loadRound(subject, subjectCount, CONCURRENCY));
        await settle();
        s1.push((await loadRound(subject, sequential, 1)).p50);
      } else if (which === 'f') {
        await settle();
        f.push(await loadRound(floor, floorCount, CONCURRENCY));
        f1.push((await loadRound(floor, sequential * 4, 1)).p50);
      } else if (which === 'p' && peer) {
        await settle();
        p.push(await loadRound(peer, peerCount, CONCURRENCY));
        p1.push((await loadRound(peer, sequential * 2, 1)).p50);
      } else if (which === 'b' && baseline) {
        await settle();
        b.push(await loadRound(baseline, subjectCount, CONCURRENCY));
        b1.push((await loadRound(baseline, sequential, 1)).p50);
      }
    }
    context.log(
      `  round ${round + 1}: ${prefix} ${s[round].rps.toFixed(0)}/s p50 ${s[round].p50.toFixed(2)} p99 ${s[round].p99.toFixed(2)} ms (1 in flight: p50 ${s1[round].toFixed(2)} ms), ` +
        `floor ${f[round].rps.toFixed(0)}/s p50 ${f[round].p50.toFixed(2)} p99 ${f[round].p99.toFixed(2)} ms (1 in flight: p50 ${f1[round].toFixed(2)} ms)` +
        (peer
          ? `, peer ${p[round].rps.toFixed(0)}/s p50 ${p[round].p50.toFixed(2)} p99 ${p[round].p99.toFixed(2)} ms (1 in flight: p50 ${p1[round].toFixed(2)} ms, CPU ${p[round].cpuPerCall.toFixed(2)} ms/req)`
          : '') +
        (baseline
          ? `, baseline ${b[round].rps.toFixed(0)}/s p50 ${b[round].p50.toFixed(2)} p99 ${b[round].p99.toFixed(2)} ms (1 in flight: p50 ${b1[round].toFixed(2)} ms, CPU ${b[round].cpuPerCall.toFixed(2)} ms/req)`
          : ''),
    );
  }
  const m = (xs: RoundFigures[], key: keyof RoundFigures) => median(xs.map((x) => x[key]));
  const base = { scenario: prefix, floorIs };
  const peerOf = (value: () => number) => (peer ? { peer: value() } : {});
  const goal = (target: Target | undefined) => (target ? { target } : {});
  if (peer) context.log(`  peer: ${peer.is}`);
  if (baseline) {
    context.log(
      `  baseline (${baseline.rev}): ${m(b, 'rps').toFixed(0)} req/s, p50 ${m(b, 'p50').toFixed(2)} ms, 1 in flight p50 ${median(b1).toFixed(2)} ms, CPU ${m(b, 'cpuPerCall').toFixed(2)} ms/req`,
    );
  }
  return [
    {
      ...base,
      name: `${prefix}-throughput`,
      unit: 'req/s',
      value: m(s, 'rps'),
      floor: m(f, 'rps'),
      better: 'higher',
      ...(peer ? { peer: m(p, 'rps'), target: targets.peerThroughput } : {}),
    },
    ...(baseline
      ? [
          {
            scenario: prefix,
            name: `${prefix}-throughput-vs-baseline`,
            unit: 'req/s',
            value: m(s, 'rps'),
            floor: m(b, 'rps'),
            floorIs: `baseline ${baseline.rev}, same run`,
            better: 'higher' as const,
            target: targets.baselineThroughput,
          },
          {
            scenario: prefix,
            name: `${prefix}-cpu-per-request-vs-baseline`,
            unit: 'ms CPU',
            value: m(s, 'cpuPerCall'),
            floor: m(b, 'cpuPerCall'),
            floorIs: `baseline ${baseline.rev}, same run`,
            better: 'lower' as const,
          },
        ]
      : []),
    { ...base, name: `${prefix}-p50`, unit: 'ms', value: m(s, 'p50'), floor: m(f, 'p50'), better: 'lower', ...goal(goals.p50), ...peerOf(() => m(p, 'p50')) },
    { ...base, name: `${prefix}-p99`, unit: 'ms', value: m(s, 'p99'), floor: m(f, 'p99'), better: 'lower', ...peerOf(() => m(p, 'p99')) },
    { ...base, name: `${prefix}-p50-1-in-flight`, unit: 'ms', value: median(s1), floor: median(f1), better: 'lower', ...goal(goals.p50OneInFlight), ...peerOf(() => median(p1)) },
    { ...base, name: `${prefix}-cpu-per-request`, unit: 'ms CPU', value: m(s, 'cpuPerCall'), floor: m(f, 'cpuPerCall'), better: 'lower', ...goal(goals.cpuPerRequest), ...peerOf(() => m(p, 'cpuPerCall')) },
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

const PEER_IS = 'NestJS on Fastify, one SQLite row (WAL, synchronous=FULL), seat and e-mail rules as SQL, own process';

/**
 * The peer must refuse what Clientele refuses, or it would be measured doing less: a duplicate
 * e-mail in another case, a bad body, a missing token, a full account. Not timed.
 */
async function checkPeerRules(peer: PeerReady): Promise<void> {
  const admin = new HttpClient(peer.url, peer.token);
  const oneSeat = new HttpClient(peer.url, peer.oneSeatToken);
  const anonymous = new HttpClient(peer.url);
  const refused = async (client: HttpClient, body: unknown, status: number, code: string) => {
    const answer = await client.request<{ code?: string }>('POST', '/api/v1/clients', body);
    if (answer.status !== status || answer.body?.code !== code) {
      throw new Error(`the peer answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)} where ${status} ${code} was due`);
    }
  };
  try {
    const first = addClientBody('peer-check');
    await admin.expect(201, 'POST', '/api/v1/clients', first);
    await refused(admin, { ...first, email: first.email.toUpperCase() }, 409, 'email_taken');
    await refused(admin, { ...addClientBody('peer-check-2'), email: 'not an address', unknown: 1 }, 400, 'validation_failed');
    await refused(anonymous, addClientBody('peer-check-3'), 401, 'unauthorized');
    await oneSeat.expect(201, 'POST', '/api/v1/clients', addClientBody('peer-seat-1'));
    await refused(oneSeat, { ...addClientBody('peer-seat-2'), type: 'offline' }, 409, 'seat_limit_reached');
  } finally {
    admin.close();
    oneSeat.close();
    anonymous.close();
  }
}

export const commandEmbeddedScenario = scenarioOnBusiness({
  name: 'command-embedded',
  title:
    'AddClient through the gateway, one process: req/s, p50/p99 vs a raw HTTP echo route on the same server, vs the peer a team would write (bench/peers/), and vs the code before issue 23 (bench/lib/baseline.ts)',
  needs: 'embedded',
  async run(context, system, { admin, open }) {
    const side = addClientCalls(system, admin);
    const echo = open();
    const cleanup: Array<() => unknown> = [];
    try {
      const peerServer = await forkTs<PeerReady>('bench/peers/server.ts', [join(context.dir, 'peer.sqlite')], {}, { execArgv: profileFlags() });
      cleanup.push(() => stopChild(peerServer.child));
      const peerClient = new HttpClient(peerServer.message.url, peerServer.message.token);
      cleanup.push(() => peerClient.close());
      await checkPeerRules(peerServer.message);
      const baseline = await startBaseline(context, cleanup);
      const figures = await compare(
        context,
        system,
        'command-embedded',
        side,
        {
          call: (i) => echo.expect(200, 'POST', ECHO_PATH, addClientBody(`echo${i}`)),
          cpuMs: () => system.cpuMs(),
        },
        'raw HTTP echo, same server',
        {
          peer: {
            call: (i) => peerClient.expect(201, 'POST', '/api/v1/clients', addClientBody(`peer${i}`)),
            cpuMs: () => processStats(peerServer.child.pid!).cpuMs,
            is: PEER_IS,
          },
          baseline,
          targets: { p50: targets.latencyP50, cpuPerRequest: targets.cpuPerAddClient },
        },
      );
      // Context for the latency target: an AddClient answer waits for three durable writes (the
      // roster append, the client's key, the client's stream), each one fsync; no implementation
      // of the command can answer before them. This floor is the echo plus three raw appends.
      const fsync = rawAppendLatency(join(context.dir, 'raw-latency.sqlite'), context.quick ? 50 : 300);
      const echo1 = figures.find((f) => f.name === 'command-embedded-p50-1-in-flight')!;
      context.log(`  raw single-event append (one fsync) p50 ${fsync.toFixed(3)} ms on this file system`);
      // The peer is compared once, on the figure above.
      const { peer: _peer, ...vsDurable } = echo1;
      figures.push({
        ...vsDurable,
        name: 'command-embedded-p50-1-in-flight-vs-durable',
        floor: echo1.floor! + 3 * fsync,
        floorIs: 'echo + 3 raw appends',
        target: targets.durableP50,
      });
      const server = processStats(system.processes()[0].pid);
      const peerStats = processStats(peerServer.child.pid!);
      context.log(`  server process: RSS ${server.rssMb.toFixed(0)} MB, peak ${server.peakRssMb.toFixed(0)} MB; peer process: RSS ${peerStats.rssMb.toFixed(0)} MB, peak ${peerStats.peakRssMb.toFixed(0)} MB`);
      return figures;
    } finally {
      for (const undo of cleanup.reverse()) {
        await Promise.resolve()
          .then(undo)
          .catch((error: unknown) => context.log(`  (cleaning up: ${String(error)})`));
      }
    }
  },
});

/** The baseline's deployment and its AddClient side, or undefined (said in one line) when it is skipped. */
async function startBaseline(context: ScenarioContext, cleanup: Array<() => unknown>): Promise<BaselineSide | undefined> {
  const which = baselineRevision(context.quick);
  if ('skipped' in which) {
    context.log(`  baseline skipped: ${which.skipped}`);
    return undefined;
  }
  const checkout = checkOutBaseline(which.rev);
  cleanup.push(() => checkout.remove());
  context.log(`  baseline: ${checkout.rev} in ${checkout.root}, starting its embedded deployment`);
  const baselineSystem = await startEmbedded({ root: checkout.root });
  cleanup.push(() => baselineSystem.stop());
  const { side, client } = await addClientSide(baselineSystem);
  cleanup.push(() => client.close());
  return { ...side, rev: checkout.rev, system: baselineSystem };
}

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
        { targets: { p50: targets.latencyP50, p50OneInFlight: targets.distributedP50 } },
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
