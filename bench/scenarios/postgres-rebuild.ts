/**
 * `postgres-rebuild`: `ops rebuild` of the clients projection on PostgreSQL, events read from the
 * PostgreSQL event store and the read model written to the PostgreSQL document store, events/s,
 * beside the raw read of the same events (raw `pg`, the statement the adapter's readAll runs for
 * the replay, pages of 2,000, json parsed): the PostgreSQL counterpart of `rebuild`. Also the
 * port's readAll against the same floor. The history is seeded by one process and measured by
 * another (bench/servers/postgres-rebuild-child.ts), in a database created for the run and
 * dropped after it. BENCH_PG_REBUILD_EVENTS sets another size.
 */
import { Figure, targets } from '../lib/figures';
import { EVENTS_PER_CLIENT } from '../lib/fixtures';
import { probePostgres, withBenchDatabase } from '../lib/postgres';
import type { Scenario } from '../lib/scenario';
import { seedThenMeasure } from '../lib/rebuild-halves';
import type { PostgresRebuildFigures } from '../servers/postgres-rebuild-child';

const CHILD = 'bench/servers/postgres-rebuild-child.ts';

export const postgresRebuildScenario: Scenario = {
  name: 'postgres-rebuild',
  title: 'ops rebuild of the clients projection on PostgreSQL (event store -> document store), events/s vs a raw pg read of the same events',
  async run(context) {
    const probe = await probePostgres('postgres-rebuild');
    if ('skipped' in probe) {
      context.log(probe.skipped);
      return [];
    }
    const events = Number(process.env.BENCH_PG_REBUILD_EVENTS ?? (context.quick ? 5_000 : 100_000));
    if (!Number.isInteger(events) || events <= 0 || events % EVENTS_PER_CLIENT !== 0) {
      throw new Error(`BENCH_PG_REBUILD_EVENTS must be a positive multiple of ${EVENTS_PER_CLIENT} (streams of ${EVENTS_PER_CLIENT} events), not ${process.env.BENCH_PG_REBUILD_EVENTS}`);
    }
    const r = await withBenchDatabase(probe.adminUrl, async ({ url }) => {
      const { figures, seededIn } = await seedThenMeasure<PostgresRebuildFigures>(CHILD, url, events, context.quick);
      context.log(
        `  ${events.toLocaleString('en-US')} events${seededIn}: raw read ${figures.rawReadRate.toFixed(0)} ev/s, port readAll ${figures.portReadRate.toFixed(0)}, ` +
          `rebuild ${figures.rebuildRate.toFixed(0)} ev/s; process high-water RSS ${figures.hwmRssMb.toFixed(0)} MB`,
      );
      return figures;
    });
    const base = { scenario: 'postgres-rebuild', unit: 'events/s', floor: r.rawReadRate, floorIs: 'raw pg paged read, same SELECT', better: 'higher' as const };
    return [
      { ...base, name: `pg-rebuild-${r.events}`, value: r.rebuildRate, target: targets.rebuildRate },
      { ...base, name: `pg-read-all-filtered-${r.events}`, value: r.portReadRate, target: targets.portRate },
    ] satisfies Figure[];
  },
};
