import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { Api } from './http';

/**
 * Runs Clientele as real OS processes from the sources (compiled as `npm run build` compiles them,
 * see `compiledClientele`), the way `npm start` and `npm run start:distributed` run the build.
 */
const root = resolve(__dirname, '..', '..');

export interface ClienteleProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * The sources compiled once for every suite that starts Clientele as processes: a process then
 * starts in about 1.5 s of CPU instead of about 8 s spent transpiling the same files again
 * (ts-node), which on a 2-core machine running ~150 such processes is most of the e2e suites'
 * time. TypeScript without type-checking (`--noCheck`, what ts-node's transpile-only does; tsc
 * type-checks in CI), the files `npm run build` compiles.
 *
 * The build's folder is named by a hash of every source file and compiler setting, under
 * node_modules/.cache (so node_modules resolves from it): a changed source compiles again, an
 * unchanged one is reused by every suite and jest worker of a run and by the next run. A worker
 * compiles into a folder of its own and renames it into place, so two workers racing for the same
 * hash never see half a build.
 */
export interface ClienteleBuild {
  /** The node arguments that run it, for `spawnClientele`. */
  entry: string[];
  /** The node arguments that run one service's own app (apps/<service>), as `npm run start:distributed` and the containers do. */
  app(service: string): string[];
}

const BUILDS = join(root, 'node_modules', '.cache', 'clientele-e2e-builds');
let currentBuild: ClienteleBuild | undefined;

export function compiledClientele(): ClienteleBuild {
  if (currentBuild) return currentBuild;
  const dir = join(BUILDS, sourceHash());
  const register = join(dir, 'register-paths.js');
  if (!existsSync(register)) {
    mkdirSync(BUILDS, { recursive: true });
    const staging = mkdtempSync(join(BUILDS, 'staging-'));
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck', '--outDir', staging], {
        cwd: root,
        stdio: 'pipe',
        maxBuffer: 16 * 1024 * 1024,
      });
      // The workspace aliases (@clientele/...) resolved in the compiled folder, as tools/register-paths.js does in dist/.
      writeFileSync(
        join(staging, 'register-paths.js'),
        `const { compilerOptions } = require(${JSON.stringify(join(root, 'tsconfig.base.json'))});
const paths = Object.fromEntries(Object.entries(compilerOptions.paths).map(([alias, [target]]) => [alias, [target.replace(/\\.ts$/, '')]]));
require(${JSON.stringify(require.resolve('tsconfig-paths'))}).register({ baseUrl: ${JSON.stringify(dir)}, paths });\n`,
      );
      try {
        renameSync(staging, dir);
      } catch (error) {
        // Another worker put the same build in place first: use theirs.
        if (!existsSync(register)) throw error;
      }
    } catch (error) {
      const output = (error as { stdout?: Buffer; stderr?: Buffer }).stdout?.toString() ?? '';
      throw new Error(`compiling the sources for the e2e processes failed: ${output}${(error as Error).message}`);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    pruneOldBuilds(dir);
  }
  currentBuild = {
    entry: ['-r', register, join(dir, 'apps', 'standalone', 'src', 'main.js')],
    app: (service) => ['-r', register, join(dir, 'apps', service, 'src', 'main.js')],
  };
  return currentBuild;
}

/** Every file the build reads (sources, compiler settings), by content. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const visit = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'web') visit(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        hash.update(path).update('\0').update(readFileSync(path)).update('\0');
      }
    }
  };
  visit(join(root, 'apps'));
  visit(join(root, 'libs'));
  for (const file of ['tsconfig.base.json', 'tsconfig.build.json']) hash.update(readFileSync(join(root, file)));
  return hash.digest('hex').slice(0, 16);
}

/** Builds of other sources, a day old or more (a working copy makes one per change it tests). */
function pruneOldBuilds(keep: string): void {
  for (const name of readdirSync(BUILDS)) {
    const path = join(BUILDS, name);
    if (path === keep || name.startsWith('staging-')) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > 24 * 3600_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by another worker meanwhile
    }
  }
}

/** `entryArgs`: the node arguments that run Clientele (default: the compiled sources, `compiledClientele`). */
export function spawnClientele(name: string, env: Record<string, string>, entryArgs?: readonly string[]): ClienteleProcess {
  let output = '';
  const child = spawn(process.execPath, [...(entryArgs ?? compiledClientele().entry)], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CLIENTELE_AUTH_RATE_LIMIT: '10000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { name, child, output: () => output, exited };
}

export async function stopAll(processes: ClienteleProcess[]): Promise<void> {
  for (const p of processes) p.child.kill('SIGTERM');
  await Promise.all(
    processes.map(async (p) => {
      const killer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
      await p.exited;
      clearTimeout(killer);
    }),
  );
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}

/**
 * `count` different free ports. Each listener stays open until all are chosen: a port closed at
 * once is free again, and the kernel can hand it out to the next ask (a cluster of three NATS
 * nodes, nine ports, got the same port twice about once in 170 tries).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<Server>((done, fail) => {
      const server = createServer();
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => done(server));
    })),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}

/** Waits until the gateway's /health is 200: every store, the bus and every service answer. */
// Generous: on a 2-core machine shared with other runs, seven processes can take a minute to start.
export async function waitUntilHealthy(api: Api, processes: ClienteleProcess[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const health = await api.get('/health');
      if (health.status === 200) return;
    } catch {
      // not listening yet
    }
    for (const p of processes) {
      if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}:\n${p.output().slice(-3000)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`not healthy within ${timeoutMs} ms:\n${processes.map((p) => `--- ${p.name}\n${p.output().slice(-2000)}`).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
