/**
 * The benchmark suite of the whole system (issue 12).
 *
 *   npm run bench                          # every scenario, full size (about 10 minutes here)
 *   npm run bench -- --only append,rebuild # some scenarios
 *   npm run bench -- --only postgres-store,postgres-rebuild,command-distributed-postgres   # the PostgreSQL stores (POSTGRES_URL or the local server)
 *   BENCH_QUICK=1 npm run bench            # CI smoke run: small sizes, figures not judged
 *   BENCH_PROFILE=1 npm run bench -- --only command-embedded   # servers run with --cpu-prof
 *
 * Every scenario prints its figures, each beside the floor measured in the same run on the same
 * machine (and the peer, where there is one) and the ratio; at the end the suite prints one table
 * and writes bench/results.json. A missed target is printed, never a failure: the exit code is 0
 * unless a scenario itself breaks (an error answer, rows that do not add up, a server that dies).
 * Method and figures: bench/RESULTS.md.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { describeFigure, Figure, figuresTable, targetMet, toJson } from './lib/figures';
import type { Scenario, ScenarioContext } from './lib/scenario';
import { RunningSystem, startDistributed, startEmbedded, waitIdle } from './lib/system';
import { aggregateScenario } from './scenarios/aggregate';
import { appendScenario } from './scenarios/append';
import { checkoutScenario, messagingScenario } from './scenarios/checkout';
import { commandDistributedScenario, commandEmbeddedScenario } from './scenarios/command';
import { httpPlatformScenario } from './scenarios/http-platform';
import { listQueryScenario } from './scenarios/list-query';
import { memoryScenario } from './scenarios/memory';
import { commandDistributedPostgresScenario } from './scenarios/postgres-command';
import { postgresRebuildScenario } from './scenarios/postgres-rebuild';
import { postgresStoreScenario } from './scenarios/postgres-store';
import { rebuildScenario } from './scenarios/rebuild';
import { bulkTypeScenario, projectionLagScenario } from './scenarios/roster';
import { sessionsScenario } from './scenarios/sessions';

/**
 * In this order: the store scenarios with no server running, then each deployment's in turn (the
 * distributed deployment on PostgreSQL last: it is its scenario's own). The PostgreSQL scenarios
 * say they skipped, in one line, when no PostgreSQL server answers.
 */
const SCENARIOS: Scenario[] = [
  appendScenario,
  aggregateScenario,
  listQueryScenario,
  rebuildScenario,
  postgresStoreScenario,
  postgresRebuildScenario,
  commandEmbeddedScenario,
  projectionLagScenario,
  bulkTypeScenario,
  sessionsScenario,
  commandDistributedScenario,
  checkoutScenario,
  messagingScenario,
  commandDistributedPostgresScenario,
  httpPlatformScenario,
  memoryScenario,
];

const RESULTS_FILE = join(__dirname, 'results.json');

function parseArgs(argv: string[]): { only: string[] | null } {
  let only: string[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--only=')) only = arg.slice('--only='.length).split(',').filter(Boolean);
    else if (arg === '--help' || arg === '-h') {
      console.log(`npm run bench [-- --only <${SCENARIOS.map((s) => s.name).join('|')}>[,...]]`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  if (only) {
    const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
    if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return { only };
}

function machine(): string {
  const cpus = os.cpus();
  let disk = '';
  try {
    disk = execSync(`df -hT ${os.tmpdir()} | tail -1`, { encoding: 'utf8' }).trim().split(/\s+/).slice(0, 2).join(' ');
  } catch {
    // not important
  }
  return (
    `node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `${os.platform()} ${os.release()}, temp dir ${os.tmpdir()} (${disk}), load average ${loadavg()}`
  );
}

const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const { only } = parseArgs(process.argv.slice(2));
  const quick = process.env.BENCH_QUICK === '1';
  const selected = SCENARIOS.filter((s) => (only ? only.includes(s.name) : !s.optional));
  const started = Date.now();
  console.log(`Clientele benchmark suite${quick ? ' (BENCH_QUICK: smoke run, small sizes, figures not meaningful)' : ''}`);
  console.log(machine());
  console.log(`scenarios: ${selected.map((s) => s.name).join(', ')}\n`);

  const root = mkdtempSync(join(os.tmpdir(), 'clientele-bench-'));
  const running: { embedded?: Promise<RunningSystem>; distributed?: Promise<RunningSystem> } = {};
  const stopDeployment = async (kind: 'embedded' | 'distributed') => {
    const system = running[kind];
    running[kind] = undefined;
    if (system) await (await system).stop();
  };
  const figures: Figure[] = [];
  const failed: string[] = [];
  try {
    for (const [index, scenario] of selected.entries()) {
      const dir = mkdtempSync(join(root, `${scenario.name}-`));
      const context: ScenarioContext = {
        quick,
        dir,
        log: (line) => console.log(line),
        // Every scenario starts on an idle deployment.
        embedded: async () => {
          const system = await (running.embedded ??= startEmbedded());
          await waitIdle(system, context.log);
          return system;
        },
        distributed: async () => {
          const system = await (running.distributed ??= startDistributed());
          await waitIdle(system, context.log);
          return system;
        },
      };
      // One deployment at a time: the other one's idle processes would still take CPU.
      if (scenario.needs !== 'embedded') await stopDeployment('embedded');
      if (scenario.needs !== 'distributed') await stopDeployment('distributed');
      console.log(`== ${scenario.name}: ${scenario.title} (load average ${loadavg()})`);
      const t = Date.now();
      try {
        const found = await scenario.run(context);
        for (const figure of found) console.log(describeFigure(figure));
        figures.push(...found);
      } catch (error) {
        // The other scenarios still run and their figures are still written; the exit code says it.
        failed.push(scenario.name);
        console.log(`  FAILED: ${(error as Error)?.stack ?? String(error)}`);
        // A deployment that broke is not reused.
        if (scenario.needs) await stopDeployment(scenario.needs).catch(() => undefined);
      }
      console.log(`   (${((Date.now() - t) / 1000).toFixed(1)} s)\n`);
      rmSync(dir, { recursive: true, force: true });
      const later = selected.slice(index + 1);
      if (!later.some((s) => s.needs === 'embedded')) await stopDeployment('embedded');
      if (!later.some((s) => s.needs === 'distributed')) await stopDeployment('distributed');
    }
  } finally {
    await stopDeployment('embedded').catch((error) => console.error(`stopping the embedded deployment: ${String(error)}`));
    await stopDeployment('distributed').catch((error) => console.error(`stopping the distributed deployment: ${String(error)}`));
    rmSync(root, { recursive: true, force: true });
  }

  console.log(figuresTable(figures));
  const missed = figures.filter((f) => targetMet(f) === false);
  console.log(
    `\n${figures.length} figures, ${figures.filter((f) => f.target).length} with a target, ${missed.length} missed${missed.length ? `: ${missed.map((f) => f.name).join(', ')}` : ''}` +
      `${quick ? ' (smoke run: not judged)' : ''}`,
  );
  writeFileSync(RESULTS_FILE, `${JSON.stringify(figures.map(toJson), null, 2)}\n`);
  console.log(`wrote ${relative(process.cwd(), RESULTS_FILE)} in ${((Date.now() - started) / 1000).toFixed(1)} s; load average ${loadavg()}`);
  if (failed.length) {
    console.log(`FAILED scenarios: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
