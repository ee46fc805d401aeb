/**
 * The two deployments the system scenarios drive, as OS processes from the sources (as
 * test/support/deployments.ts runs them), with their process ids so the suite can read what they
 * cost the machine (CPU time, peak RSS) from /proc.
 *
 * - embedded: bench/servers/embedded.ts, every service in one process (plus the raw echo route);
 * - distributed: the gateway and every service, each in its own process over the NATS server on
 *   this machine, each with its own SQLite stores; or, given a PostgreSQL database, with the
 *   PostgreSQL stores (every service's schemas in that one database, as in production).
 *
 * BENCH_PROFILE=1 starts every server process with --cpu-prof (profiles in bench/profiles/, git-ignored
 * by bench/.gitignore); they are written when the process exits.
 */
import { IMPLEMENTED_SERVICES } from '@clientele/host';
import { ChildProcess, fork, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Api } from '../../test/support/http';
import { removeNamespace } from '../../test/support/nats-cleanup';
import { ClienteleProcess, compiledClientele, freePort, stopAll, waitUntilHealthy } from '../../test/support/processes';
import { natsUrl } from './load';

const ROOT = resolve(__dirname, '..', '..');
/** How the forked servers load TypeScript: as `npm start` runs, without ts-node's `domain` (see the file). */
export const LOAD_TYPESCRIPT = ['-r', join(ROOT, 'bench', 'tools', 'register-ts.js')];
const CLOCK_TICKS_PER_SECOND = 100;

/** Node flags of the server processes: --cpu-prof when BENCH_PROFILE=1 (not allowed in NODE_OPTIONS). */
export function profileFlags(): string[] {
  if (process.env.BENCH_PROFILE !== '1') return [];
  const dir = join(ROOT, 'bench', 'profiles');
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/**
 * A service process as test/support/processes.ts spawns it (from the sources compiled once, as
 * `npm run build` compiles them: no ts-node in the measured processes), with the Node flags above.
 */
function spawnService(name: string, env: Record<string, string>): ClienteleProcess {
  let output = '';
  const child = spawn(process.execPath, [...profileFlags(), ...compiledClientele().entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { name, child, output: () => output, exited };
}

/** CPU time (user + system) a process has used so far, in ms; its current and peak RSS, in MB. */
export function processStats(pid: number): { cpuMs: number; rssMb: number; peakRssMb: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { cpuMs, rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  } catch {
    return { cpuMs: 0, rssMb: 0, peakRssMb: 0 };
  }
}

export interface RunningSystem {
  kind: 'embedded' | 'distributed';
  url: string;
  /** The test helpers' client, for set-up (sign-up, seeding); the load itself uses HttpClient. */
  api: Api;
  processes(): Array<{ name: string; pid: number }>;
  /** CPU time used so far by all of the deployment's processes, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** Forks a TypeScript file of bench/ (loaded by bench/tools/register-ts.js); resolves when it sends its first message. */
export async function forkTs<M>(
  file: string,
  args: string[],
  env: Record<string, string>,
  options: { execArgv?: string[]; timeoutMs?: number; root?: string } = {},
): Promise<{ child: ChildProcess; message: M; output: () => string }> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const root = options.root ?? ROOT;
  let output = '';
  const child = fork(join(root, file), args, {
    cwd: root,
    execArgv: [...(options.execArgv ?? []), ...LOAD_TYPESCRIPT],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(process.env.NATS_URL ? { NATS_URL: process.env.NATS_URL } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const message = await new Promise<M>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${file} sent nothing within ${timeoutMs / 1000} s:\n${output.slice(-3000)}`));
    }, timeoutMs);
    child.once('message', (m) => {
      clearTimeout(timer);
      done(m as M);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${file} exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
  return { child, message, output: () => output };
}

/** Stops a child: SIGTERM (after `graceMs` for it to exit by itself, e.g. to write its --cpu-prof), SIGKILL 15 s later. */
export async function stopChild(child: ChildProcess, graceMs = 0): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  if (graceMs > 0 && (await Promise.race([exited.then(() => true), new Promise((done) => setTimeout(() => done(false), graceMs))]))) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
}

/** The embedded deployment of this checkout, or of another one (`root`: the baseline's worktree, bench/lib/baseline.ts). */
export async function startEmbedded(options: { root?: string } = {}): Promise<RunningSystem> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clientele-bench-embedded-'));
  const { child, message } = await forkTs<{ url: string }>('bench/servers/embedded.ts', [], {
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    CLIENTELE_AUTH_RATE_LIMIT: '100000',
  }, { execArgv: profileFlags(), root: options.root, timeoutMs: options.root ? 180_000 : undefined });
  return {
    kind: 'embedded',
    url: message.url,
    api: new Api(message.url),
    processes: () => [{ name: 'clientele', pid: child.pid! }],
    cpuMs: () => processStats(child.pid!).cpuMs,
    async stop() {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The gateway and every service the host implements: the gateway is healthy only when all of them answer. */
export const DISTRIBUTED_SERVICES: readonly string[] = ['gateway', ...IMPLEMENTED_SERVICES];

/** The PostgreSQL stores of a distributed deployment: a database the caller created (and drops), and each store's pool size. */
export interface DistributedPostgres {
  url: string;
  poolSize: number;
}

export async function startDistributed(options: { postgres?: DistributedPostgres } = {}): Promise<RunningSystem> {
  const root = mkdtempSync(join(tmpdir(), 'clientele-bench-distributed-'));
  const namespace = `bench-${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const stores: Record<string, string> = options.postgres
    ? {
        CLIENTELE_EVENT_STORE: 'postgres',
        CLIENTELE_DOCUMENT_STORE: 'postgres',
        POSTGRES_URL: options.postgres.url,
        CLIENTELE_POSTGRES_POOL_SIZE: String(options.postgres.poolSize),
      }
    : { CLIENTELE_EVENT_STORE: 'sqlite', CLIENTELE_DOCUMENT_STORE: 'sqlite' };
  const common = {
    CLIENTELE_PROFILE: 'distributed',
    ...stores,
    CLIENTELE_MAIL: 'dev-mailbox',
    CLIENTELE_NATS_NAMESPACE: namespace,
    CLIENTELE_AUTH_RATE_LIMIT: '100000',
    NATS_URL: natsUrl(),
    JWT_SECRET: randomUUID() + randomUUID(),
    LOG_LEVEL: 'error',
    PORT: String(port),
  };
  const processes: ClienteleProcess[] = DISTRIBUTED_SERVICES.map((service) =>
    spawnService(service, { ...common, CLIENTELE_SERVICES: service, DATA_DIR: join(root, service) }),
  );
  const url = `http://127.0.0.1:${port}`;
  const api = new Api(url);
  try {
    await waitUntilHealthy(api, processes, 120_000);
  } catch (error) {
    await stopAll(processes);
    throw error;
  }
  return {
    kind: 'distributed',
    url,
    api,
    processes: () => processes.map((p) => ({ name: p.name, pid: p.child.pid! })),
    cpuMs: () => processes.reduce((sum, p) => sum + processStats(p.child.pid!).cpuMs, 0),
    async stop() {
      await stopAll(processes);
      rmSync(root, { recursive: true, force: true });
      await removeNamespace(namespace).catch(() => undefined);
    },
  };
}

/**
 * Waits until the deployment is idle: its processes together used less than `share` of one core
 * over the last second (background work left by the previous load, such as outbox relays and bus
 * consumers catching up, would otherwise be measured as part of the next figure). Answers the ms
 * waited; gives up (and says so) after `maxMs`. Under `BENCH_PROFILE=1` V8's sampler alone keeps an idle
 * process at 6 to 8% of a core, so the bound is 10 points higher there (each wait ran to `maxMs`).
 */
export async function waitIdle(
  system: RunningSystem,
  log: (line: string) => void,
  share = (system.kind === 'embedded' ? 0.05 : 0.1) + (process.env.BENCH_PROFILE === '1' ? 0.1 : 0),
  maxMs = 180_000,
): Promise<number> {
  const started = Date.now();
  let last = system.cpuMs();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = system.cpuMs();
    const waited = Date.now() - started;
    if (now - last < 1000 * share) {
      if (waited > 1500) log(`  (waited ${(waited / 1000).toFixed(1)} s for the ${system.kind} deployment to go idle)`);
      return waited;
    }
    if (waited > maxMs) {
      log(`  (the ${system.kind} deployment still used ${((now - last) / 10).toFixed(0)}% of a core after ${maxMs / 1000} s; measuring anyway)`);
      return waited;
    }
    last = now;
  }
}
