/**
 * Timing helpers of the benchmark suite. Not a test framework: it times workloads (our code, its
 * raw floor, a peer) side by side in the same process and reports medians.
 */

/** One timed repetition: set-up (not timed) returns the function whose run is timed. */
export type Prepare = (rep: number) => Promise<Run> | Run;
export type Run = () => Promise<void> | void;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function timeRun(run: Run): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start);
}

const maybeGc = (globalThis as { gc?: () => void }).gc;

export interface InterleavedOptions<Name extends string> {
  /** Untimed repetitions of every side first (JIT, page cache, statement caches). */
  warmups: number;
  /** Timed repetitions of each side; the median is reported. */
  reps: number;
  /** Work units (events, reads...) done by one repetition of any side. */
  units: number;
  sides: Record<Name, Prepare>;
}

export interface SideResult {
  ns: number[];
  medianNs: number;
  /** Units per second at the median time. */
  rate: number;
}

/**
 * Runs every side `warmups + reps` times, interleaved, rotating which side goes first on every
 * repetition, so that drift (WAL checkpoints, page cache, CPU frequency, a neighbour's test run)
 * falls on all sides alike. Each side's set-up is not timed.
 */
export async function interleaved<Name extends string>(options: InterleavedOptions<Name>): Promise<Record<Name, SideResult>> {
  const names = Object.keys(options.sides) as Name[];
  const samples = new Map<Name, number[]>(names.map((n) => [n, []]));
  for (let i = 0; i < options.warmups + options.reps; i++) {
    const order = names.map((_, k) => names[(k + i) % names.length]);
    for (const name of order) {
      const run = await options.sides[name](i);
      maybeGc?.();
      const ns = await timeRun(run);
      if (i >= options.warmups) samples.get(name)!.push(ns);
    }
  }
  const out = {} as Record<Name, SideResult>;
  for (const name of names) {
    const ns = samples.get(name)!;
    const medianNs = median(ns);
    out[name] = { ns, medianNs, rate: (options.units * 1e9) / medianNs };
  }
  return out;
}

/** Percentile (nearest rank) of a list of figures. */
export function pct(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))];
}

export function formatRate(rate: number): string {
  return Math.round(rate).toLocaleString('en-US');
}

/** A plain-text table with right-aligned numeric columns (every column but the first). */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
