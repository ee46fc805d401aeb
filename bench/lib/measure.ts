/**
 * Timing helpers shared by the benchmarks in bench/. Not a test framework: it times paired
 * workloads (our code vs a raw floor) in the same process and reports medians.
 */

/** One timed repetition: set-up (not timed) returns the function whose run is timed. */
export type Prepare = (rep: number) => Promise<Run> | Run;
export type Run = () => Promise<void> | void;

export interface PairedOptions {
  /** Untimed repetitions of both sides first (JIT, page cache, statement caches). */
  warmups: number;
  /** Timed repetitions of each side; the median is reported. */
  reps: number;
  /** Work units (events, reads...) done by one repetition of either side. */
  units: number;
  subject: Prepare;
  floor: Prepare;
}

export interface PairedResult {
  units: number;
  subjectNs: number[];
  floorNs: number[];
  subjectMedianNs: number;
  floorMedianNs: number;
  /** Units per second at the median time. */
  subjectRate: number;
  floorRate: number;
  /** subject time / floor time: 1.0 means the same cost. */
  ratio: number;
}

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

/**
 * Runs both sides `warmups + reps` times, interleaved, swapping which side goes first on every
 * repetition so that drift (WAL checkpoints, page cache, CPU frequency) falls on both sides alike.
 */
export async function paired(options: PairedOptions): Promise<PairedResult> {
  const subjectNs: number[] = [];
  const floorNs: number[] = [];
  let rep = 0;
  for (let i = 0; i < options.warmups + options.reps; i++, rep++) {
    const order: Array<['subject' | 'floor', Prepare]> =
      i % 2 === 0
        ? [['subject', options.subject], ['floor', options.floor]]
        : [['floor', options.floor], ['subject', options.subject]];
    for (const [side, prepare] of order) {
      const run = await prepare(rep);
      maybeGc?.();
      const ns = await timeRun(run);
      if (i >= options.warmups) (side === 'subject' ? subjectNs : floorNs).push(ns);
    }
  }
  const subjectMedianNs = median(subjectNs);
  const floorMedianNs = median(floorNs);
  return {
    units: options.units,
    subjectNs,
    floorNs,
    subjectMedianNs,
    floorMedianNs,
    subjectRate: (options.units * 1e9) / subjectMedianNs,
    floorRate: (options.units * 1e9) / floorMedianNs,
    ratio: subjectMedianNs / floorMedianNs,
  };
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
