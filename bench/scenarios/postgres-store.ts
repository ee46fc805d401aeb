/**
 * `postgres-store`: the PostgreSQL event store's port (PostgresEventStore) beside its raw floor, the
 * same SQL issued through raw `pg` in the same process, interleaved repetition by repetition:
 *
 * - appends, single events over 100 streams and batches of 10 over 50 streams, each with an exact
 *   expected revision as a command handler appends. Floor: one raw `pg` client calling the
 *   adapter's own `append_events` function (its advisory lock on the stream, the revision check,
 *   the insert taking the xid8 + seq position), with the same arguments (JSON.stringify'd data
 *   and metadata), in a schema migrated by the adapter itself: same table, indexes and function;
 * - stream loads: `readStream` of one stream of 20 events, from 1,000 streams whose events are
 *   interleaved in the log, read in a shuffled order, folded. Floor: the adapter's SELECT on the
 *   same table, the same fold;
 * - `readAll` of the whole log in pages of 2,000 (what a replay calls). Floor: the adapter's
 *   SELECT (position pairs after the cursor, below the snapshot's xmin) on the same table.
 *
 * Both sides use the adapter's session setting (plan_cache_mode=force_custom_plan) and named
 * (prepared) statements; `pg` parses the json columns and the timestamp on both. What the floor
 * leaves out is what the adapter adds around that SQL, and so is measured as its overhead: the
 * NOTIFY it sends after each append (on another pooled connection, not awaited), the query for
 * hidden events before each `readAll` page, the pool, the mapping of rows to recorded events.
 * Durability is the server's (synchronous_commit as configured: one WAL flush per append) on both.
 */
import { Client } from 'pg';
import { NewEvent, PostgresEventStore, RecordedEvent, streamCategory } from '@clientele/platform/event-store';
import { Figure, targets } from '../lib/figures';
import { AppendCase, appendWorkload, evolveClient, initialClient, makeEvent, portAppendSide, streamNames, streamReads } from '../lib/fixtures';
import { interleaved, Prepare, SideResult } from '../lib/measure';
import { probePostgres, withBenchDatabase } from '../lib/postgres';
import type { Scenario, ScenarioContext } from '../lib/scenario';

const STREAM_LENGTH = 20;
const PAGE_SIZE = 2000;
/** The adapter's pool option (PostgresEventStore.open), given to the floor's connection too. */
const SESSION_OPTIONS = '-c plan_cache_mode=force_custom_plan';
/** The adapter's columns (EVENT_COLUMNS in postgres-event-store.ts). */
const EVENT_COLUMNS = 'transaction_id::text AS transaction_id, seq, event_id, stream_name, revision, type, data, metadata, recorded_at';

interface RawEventRow {
  transaction_id: string;
  seq: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export const postgresStoreScenario: Scenario = {
  name: 'postgres-store',
  title: 'PostgreSQL event store: events/s appended (single, batch of 10), streams/s loaded, readAll events/s vs the same SQL through raw pg',
  async run(context) {
    const probe = await probePostgres('postgres-store');
    if ('skipped' in probe) {
      context.log(probe.skipped);
      return [];
    }
    return withBenchDatabase(probe.adminUrl, async ({ url }) => {
      const q = context.quick;
      const reps = q ? { warmups: 1, reps: 2 } : { warmups: 2, reps: 7 };
      const figures: Figure[] = [];
      const cases: AppendCase[] = [
        { name: 'pg-append-single', calls: q ? 40 : 500, streams: q ? 10 : 100, batch: 1 },
        { name: 'pg-append-batch-10', calls: q ? 10 : 200, streams: q ? 5 : 50, batch: 10 },
      ];
      for (const c of cases) {
        const result = await measureAppends(url, c, reps);
        context.log(`  ${c.name}: ${c.calls} calls of ${c.batch} event(s) over ${c.streams} stream(s); median ms ours ${ms(result.ours)}, raw ${ms(result.raw)}`);
        figures.push({
          scenario: 'postgres-store',
          name: c.name,
          unit: 'events/s',
          value: result.ours.rate,
          floor: result.raw.rate,
          floorIs: 'raw pg, same append_events call',
          better: 'higher',
          target: targets.portRate,
        });
      }
      figures.push(...(await measureReads(context, url, q ? 100 : 1000, q ? 200 : 2000, reps)));
      return figures;
    });
  },
};

const ms = (side: SideResult) => `${(side.medianNs / 1e6).toFixed(1)}`;

/** A raw connection as the adapter's pool opens them. */
async function rawClient(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, options: SESSION_OPTIONS });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function countEvents(client: Client, schema: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".events`);
  return Number(rows[0].n);
}

async function measureAppends(url: string, c: AppendCase, reps: { warmups: number; reps: number }): Promise<{ ours: SideResult; raw: SideResult }> {
  // (Schema names cannot start with pg_.)
  const schema = c.name.replace(/^pg-/, '').replace(/-/g, '_');
  const oursSchema = `${schema}_ours`;
  const rawSchema = `${schema}_raw`;
  const store = await PostgresEventStore.open({ connectionString: url, schema: oursSchema, poolSize: 3 });
  // The floor's schema is made by the adapter's own migrations: the same table, indexes and function.
  await (await PostgresEventStore.open({ connectionString: url, schema: rawSchema, poolSize: 2 })).close();
  const raw = await rawClient(url);
  const rawAppendSql = `SELECT outcome, stream_revision, transaction_id::text AS transaction_id, seq FROM "${rawSchema}".append_events($1, $2, $3, $4, $5, $6, $7)`;
  const rawAppend = async (stream: string, expected: number | 'no_stream', events: readonly NewEvent[]): Promise<number> => {
    const {
      rows: [row],
    } = await raw.query<{ outcome: string; stream_revision: string; transaction_id: string; seq: string }>({
      name: 'bench_raw_append',
      text: rawAppendSql,
      values: [
        stream,
        streamCategory(stream),
        String(expected),
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata ?? {})),
      ],
    });
    if (row.outcome !== 'appended') throw new Error(`raw append to ${stream} at ${expected}: ${row.outcome}`);
    return Number(row.stream_revision);
  };

  try {
    // Streams exist before timing (created with their first event), so every timed append carries
    // an exact expected revision, tracked from the previous append's answer.
    const ours = await portAppendSide(store, c);
    const rawStreams = streamNames('r', c.streams);
    const rawRevision = new Map<string, number>();
    for (const stream of rawStreams) rawRevision.set(stream, await rawAppend(stream, 'no_stream', [makeEvent(stream)]));

    // Events are made before timing; only the appends are timed.
    const sides: Record<'ours' | 'raw', Prepare> = {
      ours,
      raw: () => {
        const work = appendWorkload(rawStreams, c);
        return async () => {
          for (const { stream, events } of work) rawRevision.set(stream, await rawAppend(stream, rawRevision.get(stream)!, events));
        };
      },
    };
    const result = await interleaved({ ...reps, units: c.calls * c.batch, sides });
    // Every side must have written the same number of events.
    const counts = [await countEvents(raw, oursSchema), await countEvents(raw, rawSchema)];
    if (counts[0] !== counts[1]) throw new Error(`${c.name}: the sides wrote different numbers of events: ${counts.join(', ')}`);
    return result;
  } finally {
    await store.close();
    await raw.end();
  }
}

async function measureReads(
  context: ScenarioContext,
  url: string,
  streamCount: number,
  reads: number,
  reps: { warmups: number; reps: number },
): Promise<Figure[]> {
  const schema = 'streams';
  const store = await PostgresEventStore.open({ connectionString: url, schema });
  const raw = await rawClient(url);
  try {
    // 20 rounds of one event per stream, the appends of a round concurrent: every stream's events
    // are spread over the log, as real traffic writes them.
    const streams = streamNames('s', streamCount);
    const seeded = Date.now();
    for (let round = 0; round < STREAM_LENGTH; round++) {
      await Promise.all(streams.map((stream) => store.appendToStream(stream, [makeEvent(stream)], { expectedRevision: round === 0 ? 'no_stream' : round - 1 })));
    }
    const total = streamCount * STREAM_LENGTH;
    context.log(`  seeded ${streamCount} streams x ${STREAM_LENGTH} events (interleaved) through the adapter in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
    // Fresh statistics, as autovacuum would give a table of this size, so both sides get the same plans.
    await raw.query(`ANALYZE "${schema}".events`);

    const folded = streamReads(streams, reads, STREAM_LENGTH);
    const { order, expectLength } = folded;
    const byStream = `SELECT ${EVENT_COLUMNS} FROM "${schema}".events
        WHERE stream_name = $1
        ORDER BY revision ASC
        LIMIT $2`;
    const loads = await interleaved({
      ...reps,
      units: reads,
      sides: {
        ours: (rep) => {
          const names = order(rep);
          return async () => {
            for (const name of names) {
              let state = initialClient();
              for (const event of await store.readStream(name)) state = evolveClient(state, event);
              expectLength(state);
            }
          };
        },
        raw: (rep) => {
          const names = order(rep);
          return async () => {
            for (const name of names) {
              const { rows } = await raw.query<RawEventRow>({ name: 'bench_raw_read_stream', text: byStream, values: [name, null] });
              let state = initialClient();
              for (const row of rows) state = evolveClient(state, row);
              expectLength(state);
            }
          };
        },
      },
    });
    context.log(`  ${reads} stream loads; median ms ours ${ms(loads.ours)}, raw ${ms(loads.raw)} (checksum ${folded.checksum})`);

    const page = `SELECT ${EVENT_COLUMNS} FROM "${schema}".events
        WHERE (transaction_id, seq) > ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY events.transaction_id, events.seq
        LIMIT $3`;
    const expectAll = (read: number, side: string) => {
      if (read !== total) throw new Error(`${side} read ${read} events, ${total} expected (a transaction open elsewhere on the cluster since the seeding hides some?)`);
    };
    const all = await interleaved({
      ...reps,
      units: total,
      sides: {
        ours: () => async () => {
          let read = 0;
          let after: bigint | undefined;
          for (;;) {
            const batch: RecordedEvent[] = await store.readAll({ after, maxCount: PAGE_SIZE });
            if (batch.length === 0) break;
            read += batch.length;
            after = batch[batch.length - 1].position;
          }
          expectAll(read, 'readAll');
        },
        raw: () => async () => {
          let read = 0;
          let after = { transactionId: '0', seq: '0' };
          for (;;) {
            const { rows } = await raw.query<RawEventRow>({ name: 'bench_raw_read_all', text: page, values: [after.transactionId, after.seq, PAGE_SIZE] });
            if (rows.length === 0) break;
            read += rows.length;
            const last = rows[rows.length - 1];
            after = { transactionId: last.transaction_id, seq: last.seq };
          }
          expectAll(read, 'the raw read');
        },
      },
    });
    context.log(`  readAll of ${total} events in pages of ${PAGE_SIZE}; median ms ours ${ms(all.ours)}, raw ${ms(all.raw)}`);
    const base = { scenario: 'postgres-store', better: 'higher' as const, target: targets.portRate };
    return [
      { ...base, name: `pg-read-stream-${STREAM_LENGTH}`, unit: 'streams/s', value: loads.ours.rate, floor: loads.raw.rate, floorIs: 'raw pg, same SELECT' },
      { ...base, name: `pg-read-all-${total}`, unit: 'events/s', value: all.ours.rate, floor: all.raw.rate, floorIs: 'raw pg, same SELECT' },
    ];
  } finally {
    await store.close();
    await raw.end();
  }
}
