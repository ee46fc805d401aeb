/**
 * Benchmark of the SQLite event store adapter against a raw better-sqlite3 floor.
 *
 *   npm run bench:store                 # full run (~30-40 s on 2 cores)
 *   BENCH_QUICK=1 npm run bench:store   # smoke run for CI (a few seconds)
 *
 * Every scenario runs our adapter (`SqliteEventStore`) and the same work done with raw
 * better-sqlite3, in the same process, on files in the same temp dir, with the same durability
 * settings (WAL, synchronous=FULL) and the same table layout (SCHEMA below is a copy of the
 * adapter's). The two sides are interleaved repetition by repetition; the median of the timed
 * repetitions is reported. ratio = adapter time / floor time (1.0 = same cost, target <= 1.5).
 *
 * It never fails on a ratio (it is a benchmark, not a test): ratios above the target are
 * marked in the output. Results also go to bench/results.store.json.
 *
 * Must be run from the repository root (npm run does that): tsconfig-paths/register reads
 * ./tsconfig.json for the @clientele/* path aliases.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NewEvent, SQLITE_EVENT_STORE_SCHEMA, SqliteEventStore } from '@clientele/platform/event-store';
import { formatRate, formatTable, paired, PairedResult } from './lib/measure';

const QUICK = process.env.BENCH_QUICK === '1';
const TARGET_RATIO = 1.5;
const RESULTS_FILE = path.join(__dirname, 'results.store.json');

/** Sizes. Single appends are fsync-bound (synchronous=FULL): about 0.1-0.2 ms each here. */
const config = QUICK
  ? {
      warmups: 1,
      reps: 3,
      singleAppends: 100,
      singleStreams: 20,
      batchCalls: 20,
      batchStreams: 10,
      readStreams: 100,
      streamReads: 200,
      readAllPasses: 1,
    }
  : {
      warmups: 2,
      reps: 9,
      singleAppends: 2000,
      singleStreams: 200,
      batchCalls: 400,
      batchStreams: 100,
      readStreams: 1000,
      streamReads: 2000,
      readAllPasses: 2,
    };
const BATCH_SIZE = 10;
const STREAM_LENGTH = 20;
const PAGE_SIZE = 500;

// The floor writes the same rows into the same indexes as the adapter.
const SCHEMA = SQLITE_EVENT_STORE_SCHEMA;

interface RawRow {
  position: number;
  event_id: string;
  stream_name: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

/** A raw connection with the adapter's pragmas. */
function openRaw(filename: string): Database.Database {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  db.pragma('wal_autocheckpoint = 1000');
  db.defaultSafeIntegers(false);
  db.exec(SCHEMA);
  return db;
}

function rawInsert(db: Database.Database): Database.Statement {
  return db.prepare(
    `INSERT INTO events (event_id, stream_name, category, revision, type, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
}

function categoryOf(streamName: string): string {
  const dash = streamName.indexOf('-');
  return dash === -1 ? streamName : streamName.slice(0, dash);
}

/** A realistic event: ~250 bytes of data, ~200 bytes of metadata. */
let sequence = 0;
function makeEvent(streamName: string): NewEvent {
  const n = ++sequence;
  const types = ['ClientEnrolled', 'SessionBooked', 'SessionCompleted', 'PlanChanged'];
  return {
    id: randomUUID(),
    type: types[n % types.length],
    data: {
      clientId: streamName.slice(streamName.indexOf('-') + 1),
      coachId: `coach-${n % 17}`,
      name: `Client number ${n}`,
      email: `client${n}@example.com`,
      plan: n % 2 ? 'monthly' : 'yearly',
      sessionsPerMonth: 4,
      tags: ['strength', 'mobility'],
      note: 'Prefers early morning sessions; knee injury in 2023, avoid deep squats.',
    },
    metadata: {
      occurredAt: new Date().toISOString(),
      actor: { id: `coach-${n % 17}`, role: 'coach' },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      schemaVersion: 1,
    },
  };
}

/** Deterministic shuffle (mulberry32), so both sides read streams in the same order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

interface Scenario {
  name: string;
  unit: string;
  description: string;
  result: PairedResult;
}

function countRows(filename: string): number {
  const db = new Database(filename, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** One writer side (adapter or floor) of an append scenario: streams and their tracked revisions. */
function streamNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `client-${prefix}${i}`);
}

// ---------------------------------------------------------------------------------------------
// Scenarios 1 and 2: appends with an exact expected revision, as a command handler does.
// ---------------------------------------------------------------------------------------------

async function appendScenario(
  dir: string,
  name: string,
  calls: number,
  streamCount: number,
  batchSize: number,
): Promise<PairedResult> {
  const adapterFile = path.join(dir, `${name}.adapter.sqlite`);
  const floorFile = path.join(dir, `${name}.floor.sqlite`);
  const store = new SqliteEventStore({ filename: adapterFile });
  const db = openRaw(floorFile);
  const insert = rawInsert(db);

  // Streams exist before timing starts (created with 'no_stream'), so every timed append carries
  // an exact numeric expected revision, tracked from the previous append's result.
  const adapterStreams = streamNames('a', streamCount);
  const adapterRevision = new Map<string, number>();
  for (const stream of adapterStreams) {
    const r = await store.appendToStream(stream, [makeEvent(stream)], { expectedRevision: 'no_stream' });
    adapterRevision.set(stream, r.nextExpectedRevision);
  }

  const floorStreams = streamNames('f', streamCount);
  const floorRevision = new Map<string, number>();
  const floorAppend = db.transaction((stream: string, revision: number, events: readonly NewEvent[]) => {
    const recordedAt = new Date().toISOString();
    const category = categoryOf(stream);
    let position = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const info = insert.run(
        event.id,
        stream,
        category,
        revision + 1 + i,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata ?? {}),
        recordedAt,
      );
      position = Number(info.lastInsertRowid);
    }
    return position;
  });
  for (const stream of floorStreams) {
    floorAppend.immediate(stream, -1, [makeEvent(stream)]);
    floorRevision.set(stream, 0);
  }

  // Events are generated before timing; only the appends are timed.
  const workload = (streams: readonly string[]) =>
    Array.from({ length: calls }, (_, i) => {
      const stream = streams[i % streams.length];
      return { stream, events: Array.from({ length: batchSize }, () => makeEvent(stream)) };
    });

  try {
    return await paired({
      warmups: config.warmups,
      reps: config.reps,
      units: calls * batchSize,
      subject: () => {
        const work = workload(adapterStreams);
        return async () => {
          for (const { stream, events } of work) {
            const r = await store.appendToStream(stream, events, { expectedRevision: adapterRevision.get(stream)! });
            adapterRevision.set(stream, r.nextExpectedRevision);
          }
        };
      },
      floor: () => {
        const work = workload(floorStreams);
        return () => {
          for (const { stream, events } of work) {
            const revision = floorRevision.get(stream)!;
            floorAppend.immediate(stream, revision, events);
            floorRevision.set(stream, revision + events.length);
          }
        };
      },
    });
  } finally {
    await store.close();
    db.close();
    // Both sides must have written the same number of rows.
    const [a, f] = [countRows(adapterFile), countRows(floorFile)];
    if (a !== f) throw new Error(`${name}: adapter wrote ${a} rows, floor ${f}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios 3 and 4: reads, from one shared file (the same rows for both sides).
// ---------------------------------------------------------------------------------------------

async function readScenarios(dir: string): Promise<{ stream: PairedResult; all: PairedResult; events: number }> {
  const file = path.join(dir, 'reads.sqlite');
  const store = new SqliteEventStore({ filename: file });
  const streams = streamNames('r', config.readStreams);
  // Interleave the streams' events in the log, as real traffic does: 20 rounds of 1 event each.
  for (let round = 0; round < STREAM_LENGTH; round++) {
    for (const stream of streams) {
      await store.appendToStream(stream, [makeEvent(stream)], {
        expectedRevision: round === 0 ? 'no_stream' : round - 1,
      });
    }
  }
  const db = openRaw(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const totalEvents = countRows(file);

  const byStream = db.prepare<[string], RawRow>('SELECT * FROM events WHERE stream_name = ? ORDER BY revision ASC');
  const page = db.prepare<[number, number], RawRow>(
    'SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?',
  );
  const parseRows = (rows: RawRow[]) => {
    for (let i = 0; i < rows.length; i++) {
      JSON.parse(rows[i].data);
      JSON.parse(rows[i].metadata);
    }
    return rows;
  };
  let sink = 0;

  const order = (rep: number) => {
    const out: string[] = [];
    while (out.length < config.streamReads) out.push(...shuffled(streams, rep + 1));
    return out.slice(0, config.streamReads);
  };

  try {
    const stream = await paired({
      warmups: config.warmups,
      reps: config.reps,
      units: config.streamReads,
      subject: (rep) => {
        const names = order(rep);
        return async () => {
          for (const name of names) sink += (await store.readStream(name)).length;
        };
      },
      floor: (rep) => {
        const names = order(rep);
        return () => {
          for (const name of names) sink += parseRows(byStream.all(name)).length;
        };
      },
    });

    const all = await paired({
      warmups: config.warmups,
      reps: config.reps,
      units: totalEvents * config.readAllPasses,
      // A catching-up subscriber: pages of 500 after the last position seen.
      subject: () => async () => {
        for (let pass = 0; pass < config.readAllPasses; pass++) {
          let after: bigint | undefined;
          for (;;) {
            const events = await store.readAll({ after, maxCount: PAGE_SIZE });
            sink += events.length;
            if (events.length < PAGE_SIZE) break;
            after = events[events.length - 1].position;
          }
        }
      },
      floor: () => () => {
        for (let pass = 0; pass < config.readAllPasses; pass++) {
          let after = 0;
          for (;;) {
            const rows = parseRows(page.all(after, PAGE_SIZE));
            sink += rows.length;
            if (rows.length < PAGE_SIZE) break;
            after = rows[rows.length - 1].position;
          }
        }
      },
    });
    if (sink <= 0) throw new Error('nothing was read');
    return { stream, all, events: totalEvents };
  } finally {
    db.close();
    await store.close();
  }
}

function describe(result: PairedResult): string {
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  const range = (xs: number[]) => `${ms(Math.min(...xs))}-${ms(Math.max(...xs))} ms`;
  return (
    `adapter median ${ms(result.subjectMedianNs)} ms (${range(result.subjectNs)}), ` +
    `floor median ${ms(result.floorMedianNs)} ms (${range(result.floorNs)}), ratio ${result.ratio.toFixed(2)}`
  );
}

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-bench-'));
  console.log(
    `SqliteEventStore vs raw better-sqlite3${QUICK ? ' (BENCH_QUICK: smoke run, figures not meaningful)' : ''}\n` +
      `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ` +
      `${os.platform()} ${os.release()}, temp dir ${dir}\n` +
      `WAL + synchronous=FULL on both sides; ${config.warmups} warm-up + ${config.reps} timed repetitions, median\n`,
  );
  const scenarios: Scenario[] = [];
  const run = async (name: string, unit: string, description: string, measure: () => Promise<PairedResult>) => {
    const result = await measure();
    console.log(`${name}: ${description}\n  ${describe(result)}`);
    scenarios.push({ name, unit, description, result });
  };

  try {
    await run(
      'append-single',
      'events/s',
      `${config.singleAppends} appends of 1 event over ${config.singleStreams} streams, exact expectedRevision`,
      () => appendScenario(dir, 'single', config.singleAppends, config.singleStreams, 1),
    );
    await run(
      'append-single-long-stream',
      'events/s',
      `${config.singleAppends} appends of 1 event to one stream that grows across repetitions (tens of thousands of events), exact expectedRevision`,
      () => appendScenario(dir, 'long', config.singleAppends, 1, 1),
    );
    await run(
      'append-batch-10',
      'events/s',
      `${config.batchCalls} appends of ${BATCH_SIZE} events over ${config.batchStreams} streams, exact expectedRevision`,
      () => appendScenario(dir, 'batch', config.batchCalls, config.batchStreams, BATCH_SIZE),
    );
    const reads = await readScenarios(dir);
    const readStreamDescription =
      `${config.streamReads} whole-stream reads (forwards) of ${STREAM_LENGTH}-event streams, ` +
      `${config.readStreams} streams`;
    console.log(`read-stream-${STREAM_LENGTH}: ${readStreamDescription}\n  ${describe(reads.stream)}`);
    scenarios.push({ name: `read-stream-${STREAM_LENGTH}`, unit: 'streams/s', description: readStreamDescription, result: reads.stream });
    const readAllDescription = `${config.readAllPasses} pass(es) over ${reads.events} events, pages of ${PAGE_SIZE} with after cursor`;
    console.log(`read-all-page-${PAGE_SIZE}: ${readAllDescription}\n  ${describe(reads.all)}`);
    scenarios.push({ name: `read-all-page-${PAGE_SIZE}`, unit: 'events/s', description: readAllDescription, result: reads.all });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const above = (s: Scenario) => s.result.ratio > TARGET_RATIO;
  console.log(
    '\n' +
      formatTable(
        ['scenario', 'unit', 'adapter', 'raw floor', 'ratio', 'status'],
        scenarios.map((s) => [
          s.name,
          s.unit,
          formatRate(s.result.subjectRate),
          formatRate(s.result.floorRate),
          s.result.ratio.toFixed(2),
          above(s) ? `ABOVE TARGET (> ${TARGET_RATIO})` : 'ok',
        ]),
      ) +
      '\n',
  );
  for (const s of scenarios) {
    console.log(
      `SUMMARY ${s.name}: adapter ${formatRate(s.result.subjectRate)} ${s.unit}, ` +
        `floor ${formatRate(s.result.floorRate)} ${s.unit}, ratio ${s.result.ratio.toFixed(2)} ` +
        (above(s) ? `ABOVE TARGET (> ${TARGET_RATIO})` : `(target <= ${TARGET_RATIO})`),
    );
  }

  const json = scenarios.map((s) => ({
    name: s.name,
    unit: s.unit,
    value: Math.round(s.result.subjectRate),
    floor: Math.round(s.result.floorRate),
    ratio: Number(s.result.ratio.toFixed(3)),
  }));
  fs.writeFileSync(RESULTS_FILE, JSON.stringify(json, null, 2) + '\n');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`\nwrote ${path.relative(process.cwd(), RESULTS_FILE)} in ${seconds.toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
