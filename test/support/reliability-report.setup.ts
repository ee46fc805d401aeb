import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPORT_ENV } from './reliability-report';

/** Jest global setup: a fresh report file for this run, named in the environment the workers inherit. */
export default function setup(): void {
  process.env[REPORT_ENV] = join(mkdtempSync(join(tmpdir(), 'clientele-reliability-')), 'report.jsonl');
}
