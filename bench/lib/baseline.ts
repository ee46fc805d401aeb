/**
 * The baseline of issue 23: the code as it was before issue 23's first cut, checked out into a git
 * worktree and run as a second embedded server in the same run as the subject, so "3x today's
 * throughput" is a ratio measured side by side, not a figure copied from an older run.
 *
 *   BENCH_BASELINE=<rev>   another revision (default below); BENCH_BASELINE=none to skip it.
 *
 * The worktree shares this checkout's node_modules (a symlink): the baseline's dependencies are
 * then today's, which is what "the same machine state" asks of subject and baseline. Skipped in
 * the smoke run (BENCH_QUICK) unless BENCH_BASELINE names a revision.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** The last commit before issue 23's first cut (session 8): the code the issue's "today" describes. */
export const DEFAULT_BASELINE = '1adfd18';

export interface BaselineCheckout {
  rev: string;
  root: string;
  remove(): void;
}

/** The revision to measure as the baseline, or null (with the reason) when it is skipped. */
export function baselineRevision(quick: boolean): { rev: string } | { skipped: string } {
  const asked = process.env.BENCH_BASELINE?.trim();
  if (asked === 'none') return { skipped: 'BENCH_BASELINE=none' };
  if (!asked && quick) return { skipped: 'smoke run (set BENCH_BASELINE=<rev> to measure one)' };
  return { rev: asked || DEFAULT_BASELINE };
}

/** A worktree of `rev` beside this checkout, with this checkout's node_modules. */
export function checkOutBaseline(rev: string): BaselineCheckout {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  let commit: string;
  try {
    commit = git('rev-parse', '--verify', `${rev}^{commit}`);
  } catch {
    throw new Error(`BENCH_BASELINE: ${rev} is not a commit of this repository (a shallow clone has no history: fetch it, or set BENCH_BASELINE=none)`);
  }
  const root = join(mkdtempSync(join(tmpdir(), 'clientele-baseline-')), 'tree');
  git('worktree', 'add', '--detach', '--quiet', root, commit);
  if (!existsSync(join(root, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return {
    rev: commit.slice(0, 7),
    root,
    remove() {
      try {
        git('worktree', 'remove', '--force', root);
      } catch {
        rmSync(root, { recursive: true, force: true });
      }
      try {
        git('worktree', 'prune');
      } catch {
        // not important
      }
    },
  };
}
