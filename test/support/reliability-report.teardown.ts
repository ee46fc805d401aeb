import { rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { REPORT_ENV, readReport, renderReport } from './reliability-report';

/**
 * Jest global teardown: prints the reliability table when any reliability spec ran, and leaves it
 * as markdown in `RELIABILITY_REPORT_OUT` (CI keeps it in `.ci/out/`).
 */
export default function teardown(): void {
  const file = process.env[REPORT_ENV];
  if (!file) return;
  const table = renderReport(readReport(file));
  rmSync(dirname(file), { recursive: true, force: true });
  if (!table) return;
  process.stdout.write(`\n${table}\n\n`);
  const out = process.env.RELIABILITY_REPORT_OUT;
  if (out) writeFileSync(out, `${table}\n`);
}
