import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/**
 * The reliability suite's report (issue 10). Each spec records what it injected and what it found;
 * jest's global teardown (`test/support/reliability-report.teardown.ts`) prints one table at the end
 * of the run. Jest runs specs in worker processes, so rows go to a JSON-lines file whose path the
 * global setup puts in the environment before the workers start.
 */
export const REPORT_ENV = 'CLIENTELE_RELIABILITY_REPORT';

export interface FaultRow {
  kind: 'fault';
  /** What was injected, e.g. "kill -9 billing under load". */
  fault: string;
  /** How many times it was injected. */
  injected: number;
  /** Commands (or events) acknowledged to the caller while it ran. */
  acknowledged: number;
  /** Of those, how many were found afterwards (in the event store, the read model, the mailbox). */
  found: number;
  /** Effects seen more than once (a second enrolment, a second mail, a second event). */
  duplicates: number;
  /** Acknowledged but not found. */
  lost: number;
  /** Anything a reader needs to interpret the row (timings, what was checked). */
  note?: string;
}

export interface MatrixRow {
  kind: 'matrix';
  routes: number;
  roles: number;
  checked: number;
  unexpected: number;
}

export interface FuzzRow {
  kind: 'fuzz';
  routes: number;
  cases: number;
  fiveHundreds: number;
}

export interface CheckRow {
  kind: 'check';
  /** A check that is not a fault or a count of calls: forged tokens, secrets in logs, CSV export. */
  check: string;
  result: string;
}

export type ReportRow = FaultRow | MatrixRow | FuzzRow | CheckRow;

type WithoutKind<T> = T extends unknown ? Omit<T, 'kind'> : never;

function append(row: ReportRow): void {
  const file = process.env[REPORT_ENV];
  if (!file) return; // a spec run outside jest's global setup: nothing to report to
  appendFileSync(file, `${JSON.stringify(row)}\n`);
}

export const recordFault = (row: WithoutKind<FaultRow>) => append({ kind: 'fault', ...row });
export const recordMatrix = (row: WithoutKind<MatrixRow>) => append({ kind: 'matrix', ...row });
export const recordFuzz = (row: WithoutKind<FuzzRow>) => append({ kind: 'fuzz', ...row });
export const recordCheck = (row: WithoutKind<CheckRow>) => append({ kind: 'check', ...row });

export function readReport(file: string): ReportRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as ReportRow);
}

/** The report as markdown tables, the form `docs/RELIABILITY.md` records. Empty when nothing was recorded. */
export function renderReport(rows: readonly ReportRow[]): string {
  const faults = rows.filter((r): r is FaultRow => r.kind === 'fault');
  const matrices = rows.filter((r): r is MatrixRow => r.kind === 'matrix');
  const fuzz = rows.filter((r): r is FuzzRow => r.kind === 'fuzz');
  const checks = rows.filter((r): r is CheckRow => r.kind === 'check');
  if (!rows.length) return '';
  const out: string[] = ['Reliability report'];
  if (faults.length) {
    out.push('', '| fault | injected | acknowledged | found | duplicates | lost | note |', '|---|---:|---:|---:|---:|---:|---|');
    for (const f of faults) out.push(`| ${f.fault} | ${f.injected} | ${f.acknowledged} | ${f.found} | ${f.duplicates} | ${f.lost} | ${f.note ?? ''} |`);
    const sum = (key: 'injected' | 'acknowledged' | 'found' | 'duplicates' | 'lost') => faults.reduce((total, f) => total + f[key], 0);
    out.push(`| **total** | ${sum('injected')} | ${sum('acknowledged')} | ${sum('found')} | ${sum('duplicates')} | ${sum('lost')} | |`);
  }
  if (matrices.length) {
    out.push('', '| authorization matrix | routes | roles | calls checked | unexpected |', '|---|---:|---:|---:|---:|');
    for (const m of matrices) out.push(`| routes x roles | ${m.routes} | ${m.roles} | ${m.checked} | ${m.unexpected} |`);
  }
  if (fuzz.length) {
    out.push('', '| hostile input | routes | fuzz cases run | 5xx seen |', '|---|---:|---:|---:|');
    for (const f of fuzz) out.push(`| fast-check over bodies and queries | ${f.routes} | ${f.cases} | ${f.fiveHundreds} |`);
  }
  if (checks.length) {
    out.push('', '| check | result |', '|---|---|');
    for (const c of checks) out.push(`| ${c.check} | ${c.result} |`);
  }
  return out.join('\n');
}
