/**
 * The two halves of a rebuild scenario (`rebuild` on SQLite, `postgres-rebuild`), each in a fresh
 * process so that the measuring one's peak RSS is the rebuild's own: one process seeds the history,
 * another reads and rebuilds it. The smoke run does both in one process, to start one process less
 * (its high-water mark then includes the seeding).
 *
 *   <child> seed <target> <events>      writes the history, sends { seconds }
 *   <child> measure <target> <events>   reads and rebuilds, sends the figures
 *   <child> both <target> <events>      both in one process (the smoke run)
 *
 * The target is what the child's store opens: a folder (SQLite) or a database URL (PostgreSQL).
 * The child's side is bench/lib/rebuild-child-main.ts.
 */
import { forkTs, profileFlags, stopChild } from './system';

/** The parent's side: forks `child` (a file of bench/) to seed (unless `quick`), then again to measure. `seededIn` is for the log line. */
export async function seedThenMeasure<F>(child: string, target: string, events: number, quick: boolean): Promise<{ figures: F; seededIn: string }> {
  let seededIn = '';
  if (!quick) {
    const seeded = await forkTs<{ seconds: number }>(child, ['seed', target, String(events)], {}, { timeoutMs: 900_000 });
    await stopChild(seeded.child, 10_000);
    seededIn = ` (seeded in ${seeded.message.seconds.toFixed(0)} s)`;
  }
  const measured = await forkTs<F>(child, [quick ? 'both' : 'measure', target, String(events)], {}, { execArgv: ['--expose-gc', ...profileFlags()], timeoutMs: 900_000 });
  await stopChild(measured.child, 30_000);
  return { figures: measured.message, seededIn };
}
