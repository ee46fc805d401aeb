import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes';

/**
 * A private NATS server with JetStream for the tests that need to stop the bus: its own free port
 * and its own store folder, both kept across restarts so streams and consumers survive them. It
 * never touches the shared server on 127.0.0.1:4222.
 */
export interface PrivateNatsServer {
  readonly port: number;
  readonly url: string;
  readonly storeDir: string;
  /** Whether the server process is running. */
  running(): boolean;
  /** Everything the server wrote to stdout and stderr, across restarts. */
  output(): string;
  /** SIGKILL (default) or SIGTERM the server and wait until it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again on the same port with the same store. */
  restart(): Promise<void>;
  /** Stop it and remove its store. */
  cleanup(): Promise<void>;
}

export const NATS_SERVER_BINARY = process.env.NATS_SERVER_BINARY ?? '/usr/sbin/nats-server';

export async function startNatsServer(options: { binary?: string; startTimeoutMs?: number; /** More arguments, e.g. --user and --pass. */ args?: string[] } = {}): Promise<PrivateNatsServer> {
  const binary = options.binary ?? NATS_SERVER_BINARY;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'clientele-nats-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';

  const launch = async () => {
    const process_ = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir, ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = process_;
    process_.stdout?.on('data', (chunk) => (log += chunk));
    process_.stderr?.on('data', (chunk) => (log += chunk));
    exited = new Promise((done) => process_.once('exit', () => done()));
    const failed = new Promise<never>((_, fail) => {
      process_.once('error', fail);
      process_.once('exit', (code, signal) => fail(new Error(`nats-server exited (${code ?? signal}) while starting:\n${log.slice(-2000)}`)));
    });
    failed.catch(() => undefined);
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      const answered = await Promise.race([readInfo(port), failed]);
      if (answered) return;
      if (Date.now() > deadline) throw new Error(`nats-server did not answer on port ${port} within ${startTimeoutMs} ms:\n${log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };

  await launch();
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    storeDir,
    running: () => !!child && child.exitCode === null && child.signalCode === null,
    output: () => log,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    async cleanup() {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** True when something on the port speaks NATS (its first line is `INFO {...}`), false otherwise. */
function readInfo(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((done) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    let received = '';
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      done(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (received.includes('\r\n')) finish(received.startsWith('INFO '));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}
