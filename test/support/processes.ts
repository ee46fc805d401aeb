import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Api } from './http';

/**
 * Runs Clientele as real OS processes from the sources, the way `npm start` and
 * `npm run start:distributed` run it from the build.
 */
const root = resolve(__dirname, '..', '..');
const entry = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/standalone/src/main.ts'];

export interface ClienteleProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * The sources compiled once into a folder of their own, for suites that start many processes: each
 * then starts in about 1.5 s of CPU instead of about 8 s spent transpiling the same files again
 * (ts-node). TypeScript without type-checking (`--noCheck`, what ts-node's transpile-only does), the
 * files `npm run build` compiles, under node_modules/.cache so that node_modules resolves from there.
 */
export interface ClienteleBuild {
  /** The node arguments that run it, for `spawnClientele`. */
  entry: string[];
  remove(): void;
}

export async function compileClientele(): Promise<ClienteleBuild> {
  const cache = join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, 'clientele-e2e-build-'));
  const remove = () => rmSync(outDir, { recursive: true, force: true });
  try {
    await new Promise<void>((done, fail) =>
      execFile(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck', '--outDir', outDir], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
        error ? fail(new Error(`compiling the sources failed: ${stdout}${stderr}`)) : done(),
      ),
    );
    // The workspace aliases (@clientele/...) resolved in the compiled folder, as tools/register-paths.js does in dist/.
    const register = join(outDir, 'register-paths.js');
    writeFileSync(
      register,
      `const { compilerOptions } = require(${JSON.stringify(join(root, 'tsconfig.base.json'))});
const paths = Object.fromEntries(Object.entries(compilerOptions.paths).map(([alias, [target]]) => [alias, [target.replace(/\\.ts$/, '')]]));
require(${JSON.stringify(require.resolve('tsconfig-paths'))}).register({ baseUrl: ${JSON.stringify(outDir)}, paths });\n`,
    );
    return { entry: ['-r', register, join(outDir, 'apps', 'standalone', 'src', 'main.js')], remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** `entry`: the node arguments that run Clientele (default: the sources through ts-node; see `compileClientele`). */
export function spawnClientele(name: string, env: Record<string, string>, entryArgs: readonly string[] = entry): ClienteleProcess {
  let output = '';
  const child = spawn(process.execPath, [...entryArgs], {
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
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

/** Waits until the gateway's /health is 200: every store, the bus and every service answer. */
// Generous: on a 2-core machine shared with other runs, six ts-node processes can take a minute to start.
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
