/**
 * `rebuild`: `ops rebuild` of the clients projection from a SQLite event store into the embedded
 * read store, events/s, beside the raw sequential read of the same event store (raw
 * better-sqlite3, the same pages of 2,000 by position, data and metadata parsed: what any replay
 * must at least do), at 250,000 and 1,000,000 events. Each size is seeded by one fresh process
 * and measured by another (bench/servers/rebuild-child.ts), so the peak RSS is the rebuild's own.
 * Memory is flat when the peak at 1,000,000 events is within 10% of the peak at 250,000 (issue 23).
 * Also: the event store port's readAll rate against the same raw floor (a port layer).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Figure, targets } from '../lib/figures';
import type { Scenario } from '../lib/scenario';
import { seedThenMeasure } from '../lib/rebuild-halves';
import type { RebuildFigures } from '../servers/rebuild-child';

const CHILD = 'bench/servers/rebuild-child.ts';

export const rebuildScenario: Scenario = {
  name: 'rebuild',
  title: 'ops rebuild of the clients projection, events/s over 1,000,000 events and peak RSS, vs a raw sequential read of the event store',
  async run(context) {
    const sizes = process.env.BENCH_REBUILD_SIZES
      ? process.env.BENCH_REBUILD_SIZES.split(',').map(Number)
      : context.quick
        ? [20_000]
        : [250_000, 1_000_000];
    const results: RebuildFigures[] = [];
    for (const size of sizes) {
      const dir = mkdtempSync(join(context.dir, `rebuild-${size}-`));
      try {
        const { figures: r, seededIn } = await seedThenMeasure<RebuildFigures>(CHILD, dir, size, context.quick);
        results.push(r);
        context.log(
          `  ${size.toLocaleString('en-US')} events${seededIn}: raw read ${r.rawReadRate.toFixed(0)} ev/s ` +
            `(unparsed ${r.rawUnparsedRate.toFixed(0)}), port readAll ${r.portReadRate.toFixed(0)}, rebuild ${r.rebuildRate.toFixed(0)} ev/s; ` +
            `RSS ${r.baseRssMb.toFixed(0)} MB before, peak ${r.peakRssMb.toFixed(0)} MB (heap ${r.peakHeapMb.toFixed(0)}), process high-water ${r.hwmRssMb.toFixed(0)} MB`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const figures: Figure[] = [];
    for (const r of results) {
      figures.push({
        scenario: 'rebuild',
        name: `rebuild-${r.events}`,
        unit: 'events/s',
        value: r.rebuildRate,
        floor: r.rawReadRate,
        floorIs: 'raw paged read, parsed',
        better: 'higher',
        target: targets.rebuildRate,
      });
    }
    const [small, large] = [results[0], results[results.length - 1]];
    if (results.length > 1) {
      figures.push({
        scenario: 'rebuild',
        name: `rebuild-peak-rss-${large.events}`,
        unit: 'MB',
        value: large.hwmRssMb,
        floor: small.hwmRssMb,
        floorIs: `peak at ${small.events.toLocaleString('en-US')} events`,
        better: 'lower',
        target: targets.flatMemory,
      });
    }
    figures.push({
      scenario: 'rebuild',
      name: `read-all-${large.events}`,
      unit: 'events/s',
      value: large.portReadRate,
      floor: large.rawReadRate,
      floorIs: 'raw paged read, parsed',
      better: 'higher',
      target: targets.portRate,
    });
    return figures;
  },
};
