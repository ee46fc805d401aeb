import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_SERVER_BINARY } from './nats-server';
import { freePorts } from './processes';

/**
 * A private NATS JetStream cluster on loopback, the shape of the production compose files' three
 * nodes: each node its own client, route and monitoring ports (all free ones) and its own store
 * folder, routed to the other two. A node keeps its ports and store across a kill and restart, as
 * a container keeps its volume. It never touches the shared server on 127.0.0.1:4222.
 */
export interface NatsClusterNode {
  /** `nats-1`, `nats-2`, `nats-3`: the compose files' service names, also the servers' names. */
  readonly name: string;
  readonly port: number;
  readonly clusterPort: number;
  readonly monitorPort: number;
  readonly storeDir: string;
  running(): boolean;
  /** Everything the node wrote, across restarts. */
  output(): string;
}

export interface NatsCluster {
  readonly name: string;
  readonly nodes: readonly NatsClusterNode[];
  /** `nats://127.0.0.1:<port>` of every node, in order. */
  readonly urls: string[];
  /** SIGKILL (default) a node and wait until it has exited. */
  stop(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Start a stopped node again on its ports and store. */
  start(name: string): Promise<void>;
  /**
   * Until every running node answers /healthz (JetStream included) and they agree on one meta
   * leader: only then can streams and buckets with 3 replicas be created or elect their leaders.
   */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** The name of the node that leads the JetStream meta group now, if one does. */
  metaLeader(): Promise<string | undefined>;
  /** Stop every node and remove their stores. */
  cleanup(): Promise<void>;
}

export interface NatsClusterOptions {
  size?: number;
  /** More arguments for every node, e.g. `--user` and `--pass`. */
  args?: string[];
  binary?: string;
  startTimeoutMs?: number;
}

interface NodeState extends NatsClusterNode {
  child?: ChildProcess;
  exited: Promise<void>;
  log: string;
}

export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const binary = options.binary ?? NATS_SERVER_BINARY;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const clusterName = `clientele-rehearsal-${process.pid}`;
  const nodes: NodeState[] = [];
  const ports = await freePorts(size * 3);
  for (let i = 1; i <= size; i++) {
    const [port, clusterPort, monitorPort] = ports.slice((i - 1) * 3, i * 3);
    const node: NodeState = {
      name: `nats-${i}`,
      port,
      clusterPort,
      monitorPort,
      storeDir: mkdtempSync(join(tmpdir(), `clientele-nats-${i}-`)),
      running: () => !!node.child && node.child.exitCode === null && node.child.signalCode === null,
      output: () => node.log,
      exited: Promise.resolve(),
      log: '',
    };
    nodes.push(node);
  }
  const byName = (name: string) => {
    const node = nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no NATS node ${name}`);
    return node;
  };

  const launch = (node: NodeState) => {
    const routes = nodes.filter((other) => other !== node).map((other) => `nats://127.0.0.1:${other.clusterPort}`);
    const child = spawn(
      binary,
      [
        '--name', node.name,
        '--jetstream', '--store_dir', node.storeDir,
        '--addr', '127.0.0.1', '--port', String(node.port),
        '--http_port', String(node.monitorPort),
        '--cluster_name', clusterName,
        '--cluster', `nats://127.0.0.1:${node.clusterPort}`,
        '--routes', routes.join(','),
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    node.child = child;
    child.stdout?.on('data', (chunk) => (node.log += chunk));
    child.stderr?.on('data', (chunk) => (node.log += chunk));
    node.exited = new Promise((done) => child.once('exit', () => done()));
  };

  const monitor = async <T>(node: NodeState, path: string): Promise<{ status: number; body: T | undefined }> => {
    const response = await fetch(`http://127.0.0.1:${node.monitorPort}${path}`, { signal: AbortSignal.timeout(2000) });
    const text = await response.text();
    let body: T | undefined;
    try {
      body = JSON.parse(text) as T;
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  };

  const metaLeaderSeenBy = async (node: NodeState): Promise<string | undefined> => {
    const { body } = await monitor<{ meta_cluster?: { leader?: string } }>(node, '/jsz');
    return body?.meta_cluster?.leader || undefined;
  };

  const waitUntilReady = async (timeoutMs = startTimeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const running = nodes.filter((n) => n.running());
      const dead = nodes.find((n) => n.child && !n.running() && n.child.exitCode !== null && n.child.exitCode !== 0 && n.child.signalCode === null);
      if (dead) throw new Error(`${dead.name} exited with ${dead.child?.exitCode}:\n${dead.log.slice(-3000)}`);
      try {
        const health = await Promise.all(running.map((n) => monitor<{ status?: string; error?: string }>(n, '/healthz')));
        const leaders = await Promise.all(running.map(metaLeaderSeenBy));
        last = running.map((n, i) => `${n.name}: healthz ${health[i].status} ${health[i].body?.error ?? ''}, meta leader ${leaders[i] ?? 'none'}`).join('; ');
        if (health.every((h) => h.status === 200) && leaders[0] && leaders.every((l) => l === leaders[0])) return;
      } catch (error) {
        last = String(error);
      }
      if (Date.now() > deadline) {
        throw new Error(`the NATS cluster was not ready within ${timeoutMs} ms (${last}):\n${nodes.map((n) => `--- ${n.name}\n${n.log.slice(-1500)}`).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const stop = async (name: string, signal: NodeJS.Signals = 'SIGKILL') => {
    const node = byName(name);
    if (!node.running()) return;
    node.child!.kill(signal);
    await node.exited;
  };

  const cleanup = async () => {
    for (const node of nodes) {
      if (node.running()) node.child!.kill('SIGKILL');
    }
    await Promise.all(nodes.map((n) => n.exited));
    for (const node of nodes) rmSync(node.storeDir, { recursive: true, force: true });
  };

  try {
    for (const node of nodes) launch(node);
    await waitUntilReady();
  } catch (error) {
    await cleanup();
    throw error;
  }

  return {
    name: clusterName,
    nodes,
    urls: nodes.map((n) => `nats://127.0.0.1:${n.port}`),
    stop,
    async start(name) {
      const node = byName(name);
      if (node.running()) return;
      launch(node);
    },
    waitUntilReady,
    async metaLeader() {
      for (const node of nodes.filter((n) => n.running())) {
        const leader = await metaLeaderSeenBy(node).catch(() => undefined);
        if (leader) return leader;
      }
      return undefined;
    },
    cleanup,
  };
}
