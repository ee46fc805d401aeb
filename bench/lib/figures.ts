/**
 * What every scenario hands back: figures, each beside the floor measured in the same run (and a
 * peer, where there is one), and what the suite prints and writes to bench/results.json.
 *
 * ratio = value / floor, plainly, in the figure's own unit: for a rate (events/s) 0.80 means 80%
 * of the floor's speed (its cost is 1/0.80 = 1.25x the floor's); for a latency (ms) 2.5 means 2.5x
 * the floor's latency. peerRatio is how many times faster than the peer we are: value / peer for a
 * rate, peer / value for a latency (>= 1.0: at least as fast).
 */
import { formatTable } from './measure';

export type Better = 'higher' | 'lower';

export interface Target {
  /** On `ratio`: the bound it must stay within. */
  ratio?: { min?: number; max?: number };
  /** On `peerRatio`. */
  peerRatio?: { min: number };
  /** On the value itself, in the figure's unit: an absolute bound (issue 23's 1.0 ms CPU, 5 ms, 250 MB, 400/s). */
  value?: { min?: number; max?: number };
  /** How it reads, e.g. "cost <= 1.5x floor". */
  text: string;
}

export interface Figure {
  scenario: string;
  name: string;
  unit: string;
  value: number;
  /** null where the scenario has no floor (projection-lag). */
  floor: number | null;
  /** What the floor is, in a few words (printed once per figure). */
  floorIs?: string;
  better: Better;
  peer?: number;
  target?: Target;
}

export interface JsonFigure {
  name: string;
  unit: string;
  value: number;
  floor: number | null;
  ratio: number | null;
  peer?: number;
  peerRatio?: number;
  scenario: string;
  target?: string;
  met?: boolean;
}

export const ratioOf = (f: Figure): number | null => (f.floor === null || f.floor === 0 ? null : f.value / f.floor);

export const peerRatioOf = (f: Figure): number | undefined =>
  f.peer === undefined ? undefined : f.better === 'higher' ? f.value / f.peer : f.peer / f.value;

/** undefined when the figure has no target. */
export function targetMet(f: Figure): boolean | undefined {
  if (!f.target) return undefined;
  let met = true;
  const ratio = ratioOf(f);
  if (f.target.ratio && ratio !== null) {
    if (f.target.ratio.min !== undefined && ratio < f.target.ratio.min) met = false;
    if (f.target.ratio.max !== undefined && ratio > f.target.ratio.max) met = false;
  }
  const peerRatio = peerRatioOf(f);
  if (f.target.peerRatio && peerRatio !== undefined && peerRatio < f.target.peerRatio.min) met = false;
  if (f.target.value?.min !== undefined && !(f.value >= f.target.value.min)) met = false;
  if (f.target.value?.max !== undefined && !(f.value <= f.target.value.max)) met = false;
  return met;
}

/** Numbers as people read them: rates without decimals, milliseconds with two. */
export function show(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (unit.startsWith('ms')) return value < 10 ? value.toFixed(2) : value.toFixed(1);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 10 ? 1 : 2);
}

const showRatio = (r: number | null | undefined) => (r === null || r === undefined ? '-' : r.toFixed(2));

/** The line a scenario prints as soon as it has a figure. */
export function describeFigure(f: Figure): string {
  const ratio = ratioOf(f);
  const peerRatio = peerRatioOf(f);
  const met = targetMet(f);
  const parts = [`${f.name}: ${show(f.value, f.unit)} ${f.unit}`];
  if (f.floor !== null) parts.push(`floor ${show(f.floor, f.unit)}${f.floorIs ? ` (${f.floorIs})` : ''}`, `ratio ${showRatio(ratio)}`);
  if (f.peer !== undefined) parts.push(`peer ${show(f.peer, f.unit)}`, `peerRatio ${showRatio(peerRatio)}`);
  if (f.target) parts.push(`target ${f.target.text}: ${met ? 'met' : 'MISSED'}`);
  return `  ${parts.join(' | ')}`;
}

export function figuresTable(figures: readonly Figure[]): string {
  return formatTable(
    ['figure', 'unit', 'value', 'floor', 'ratio', 'peer', 'peerRatio', 'target', ''],
    figures.map((f) => {
      const met = targetMet(f);
      return [
        f.name,
        f.unit,
        show(f.value, f.unit),
        show(f.floor, f.unit),
        showRatio(ratioOf(f)),
        show(f.peer, f.unit),
        showRatio(peerRatioOf(f)),
        f.target?.text ?? '',
        met === undefined ? '' : met ? 'met' : 'MISSED',
      ];
    }),
  );
}

const round = (value: number) => (Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(4)));

export function toJson(f: Figure): JsonFigure {
  const ratio = ratioOf(f);
  const peerRatio = peerRatioOf(f);
  const met = targetMet(f);
  return {
    name: f.name,
    unit: f.unit,
    value: round(f.value),
    floor: f.floor === null ? null : round(f.floor),
    ratio: ratio === null ? null : Number(ratio.toFixed(3)),
    ...(f.peer !== undefined ? { peer: round(f.peer), peerRatio: Number(peerRatio!.toFixed(3)) } : {}),
    scenario: f.scenario,
    ...(f.target ? { target: f.target.text, met } : {}),
  };
}

/** Targets of issues 12 and 23: on ratio = value / floor, on the peer ratio, or on the value itself. */
export const targets = {
  /** A port layer costs at most 1.5x its raw floor: for a rate, value >= floor / 1.5. */
  portRate: { ratio: { min: 1 / 1.5 }, text: 'cost <= 1.5x floor' } satisfies Target,
  portRateWithPeer: { ratio: { min: 1 / 1.5 }, peerRatio: { min: 1 }, text: 'cost <= 1.5x floor, >= peer' } satisfies Target,
  /** End-to-end latency p50 at most 3x its floor. */
  latencyP50: { ratio: { max: 3 }, text: 'p50 <= 3x floor' } satisfies Target,
  /** Rebuild at least 50% of the raw read rate. */
  rebuildRate: { ratio: { min: 0.5 }, text: '>= 0.50 of raw read' } satisfies Target,
  /** Issue 23: Clientele's AddClient throughput at 8 in flight at least half its system-level peer's (bench/peers/). */
  peerThroughput: { peerRatio: { min: 0.5 }, text: '>= 0.50 of the peer (issue 23)' } satisfies Target,
  /** Issue 23: throughput at 8 in flight at least 3x the baseline's (the code before issue 23, re-measured in the same run). */
  baselineThroughput: { ratio: { min: 3 }, text: '>= 3x the baseline (issue 23)' } satisfies Target,
  /** Issue 23: AddClient server CPU per request, embedded. */
  cpuPerAddClient: { value: { max: 1.0 }, text: '<= 1.0 ms (issue 23)' } satisfies Target,
  /** Issue 23: AddClient p50 one in flight, embedded, at most 2x the durable floor (echo + 3 raw appends). */
  durableP50: { ratio: { max: 2 }, text: 'p50 <= 2x durable floor (issue 23)' } satisfies Target,
  /** Issue 23: AddClient p50 one in flight, distributed, at most 4x its floor (NATS request + raw append). */
  distributedP50: { ratio: { max: 4 }, text: 'p50 <= 4x floor (issue 23)' } satisfies Target,
  /** Issue 23: answer -> visible in the list at 400 adds/s offered, open loop. */
  lagP99: { value: { max: 50 }, text: 'p99 <= 50 ms (issue 23)' } satisfies Target,
  /** Issue 23: no command fails at the offered rate. */
  noFailures: { value: { max: 0 }, text: 'none (issue 23)' } satisfies Target,
  /** Issue 23: the highest offered rate that still holds (every command succeeds, p99 <= 50 ms). */
  holdingRate: { value: { min: 400 }, text: '>= 400/s (issue 23)' } satisfies Target,
  /** Issue 23 (was issue 4's 0.30): bulk type change and import at least half the raw append rate. */
  bulkRate: { ratio: { min: 0.5 }, text: '>= 0.50 of raw append (issue 23)' } satisfies Target,
  /** Issue 23: the list query beside one indexed page. */
  listP50: { ratio: { max: 3 }, text: 'p50 <= 3x floor (issue 23)' } satisfies Target,
  listP99: { ratio: { max: 5 }, text: 'p99 <= 5x floor (issue 23)' } satisfies Target,
  /** Issue 23 (was issue 12's 1.2x): the rebuild's peak RSS at 1,000,000 events at most 1.1x the peak at 250,000. */
  flatMemory: { ratio: { max: 1.1 }, text: 'flat (<= 1.1x, issue 23)' } satisfies Target,
  /** Issue 23: checkout answered -> the buyer enrolled, distributed. */
  checkoutEnrolledP50: { value: { max: 5 }, text: 'p50 <= 5 ms (issue 23)' } satisfies Target,
  /** Issue 23: the RSS of `npm start` once it is up. */
  startUpRss: { value: { max: 250 }, text: '<= 250 MB (issue 23)' } satisfies Target,
};
