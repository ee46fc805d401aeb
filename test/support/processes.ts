import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
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

export function spawnClientele(name: string, env: Record<string, string>): ClienteleProcess {
  let output = '';
  const child = spawn(process.execPath, entry, {
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
