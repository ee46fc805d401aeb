import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { BOTH_MODES, Deployment, distributedSettings, newNamespace } from './deployments';
import { Api, ApiResponse } from './http';
import { removeNamespace } from './nats-cleanup';
import { ClienteleProcess, freePorts, spawnClientele, stopAll, waitUntilHealthy } from './processes';

/**
 * Issue 11: several replicas of every service over the machine's NATS. Replicas of a service share
 * its embedded stores (one data folder per service on this host), its NATS queue group for
 * requests and its durable consumers; leases pick the one replica that runs each projection and
 * outbox relay. Each gateway replica listens on its own port; the tests' client spreads its
 * requests over them, as a load balancer would.
 */
export const SERVICES = ['gateway', 'identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications'] as const;

/** Every projection and outbox relay of the services: the leases a deployment holds. */
export const PROCESSORS = [
  'clients_views',
  'clients_roster_effects',
  'clients_outbox',
  'clients_session_links',
  'clients_measurements',
  'identity_views',
  'identity_client_logins',
  'identity_sign_ins',
  'identity_registrations',
  'identity_outbox',
  'billing_products',
  'billing_outbox',
  'messaging_messages',
  'messaging_outbox',
  'scheduling_views',
  'scheduling_bundle_consumption',
  'scheduling_outbox',
] as const;

export interface Replica {
  /** e.g. `clients#2` */
  name: string;
  service: string;
  process: ClienteleProcess;
}

export interface ReplicatedDeployment extends Deployment {
  readonly namespace: string;
  replicas(service?: string): Replica[];
  /** SIGKILL one replica (no shutdown of any kind). */
  kill(name: string): Promise<void>;
  /** Send any signal (SIGSTOP, SIGCONT, SIGTERM) to one replica. */
  signal(name: string, signal: NodeJS.Signals): void;
  /** Start a replica again (after a kill) with the same settings. */
  restart(name: string): Promise<void>;
  /** Who holds each lease now: lease name -> the holder name (`<service>@<host>:<pid>:…`) and token. */
  leaseHolders(): Promise<Record<string, { holder: string; token: string }>>;
  /** Every log line a replica wrote so far (across its restarts). */
  output(name: string): string;
  /** The environment every replica runs with (for the ops tool, per service data folder). */
  env(service: string): Record<string, string>;
}

export class RoundRobinApi extends Api {
  private next = 0;

  constructor(
    private readonly baseUrls: readonly string[],
    private readonly bearer?: string,
  ) {
    super(baseUrls[0], bearer);
  }

  override as(token: string): Api {
    return new RoundRobinApi(this.baseUrls, token);
  }

  override call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const baseUrl = this.baseUrls[this.next++ % this.baseUrls.length];
    return new Api(baseUrl, this.bearer).call<T>(method, path, body, headers);
  }
}

export interface ReplicatedOptions {
  replicas?: number;
  /** Settings added to (or overriding) the default environment of every replica. */
  env?: Record<string, string>;
  /**
   * Each replica's whole environment instead of the default (embedded stores per service over the
   * machine's NATS under a namespace of its own), e.g. what a production compose file gives it.
   * `gatewayPort` is the port chosen for a gateway replica (0 for the others). No namespace is
   * then made, nor removed.
   */
  environment?: (service: string, index: number, gatewayPort: number) => Record<string, string>;
  /** The NATS servers and credentials `leaseHolders` asks (default: the machine's NATS). */
  nats?: { servers: string[]; user?: string; pass?: string };
  /**
   * Start every replica at once, as an orchestrator does, rather than replica 1 of each service
   * first: for stores whose schemas are made safely by replicas starting together.
   */
  startTogether?: boolean;
  /** The node arguments that run Clientele (default: the compiled sources, `compiledClientele`). */
  entry?: readonly string[];
}

/** BOTH_MODES and two replicas of every service, for `describe.each`. */
export const EVERY_MODE: Array<[string, () => Deployment]> = [...BOTH_MODES, ['as two replicas of every service over NATS', () => replicatedProcesses()]];

export function replicatedProcesses(options: ReplicatedOptions = {}): ReplicatedDeployment {
  const count = options.replicas ?? 2;
  const root = mkdtempSync(join(tmpdir(), 'clientele-e2e-replicas-'));
  const namespace = options.environment ? '' : newNamespace();
  const jwtSecret = randomUUID() + randomUUID();
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  let running: Replica[] = [];
  const ports: number[] = [];
  /** Every process a replica ran as, earlier ones (before a restart) first. */
  const logs = new Map<string, ClienteleProcess[]>();

  const defaultEnv = (service: string): Record<string, string> => ({
    ...distributedSettings(namespace),
    JWT_SECRET: jwtSecret,
    CLIENTELE_SERVICES: service,
    DATA_DIR: join(root, service),
    ...options.env,
  });
  const env = (service: string): Record<string, string> => (options.environment ? options.environment(service, 0, service === 'gateway' ? ports[0] : 0) : defaultEnv(service));
  const spawnReplica = (service: string, index: number): Replica => {
    const name = `${service}#${index + 1}`;
    const gatewayPort = service === 'gateway' ? ports[index] : 0;
    const process = spawnClientele(name, options.environment ? options.environment(service, index, gatewayPort) : { ...defaultEnv(service), PORT: String(gatewayPort) }, options.entry);
    logs.set(name, [...(logs.get(name) ?? []), process]);
    return { name, service, process };
  };
  const api = () => new RoundRobinApi(ports.map((port) => `http://127.0.0.1:${port}`));
  // A killed gateway leaves its port to the others: the tests kill service replicas only.
  const byName = (name: string) => {
    const replica = running.find((r) => r.name === name);
    if (!replica) throw new Error(`no running replica ${name} (running: ${running.map((r) => r.name).join(', ')})`);
    return replica;
  };
  /**
   * Every running gateway answers /health with 200 (its services answer over NATS), and every
   * replica has said it serves: a gateway is healthy as soon as one replica of each service answers.
   */
  const waitHealthy = async () => {
    const gateways = running.filter((r) => r.service === 'gateway').map((r) => ports[Number(r.name.split('#')[1]) - 1]);
    for (const port of gateways) await waitUntilHealthy(new Api(`http://127.0.0.1:${port}`), running.map((r) => r.process), 120_000);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const starting = running.filter((r) => !/Clientele is (serving|listening)/.test(r.process.output()));
      if (starting.length === 0) return;
      const dead = running.find((r) => r.process.child.exitCode !== null);
      if (dead) throw new Error(`${dead.name} exited with ${dead.process.child.exitCode}:\n${dead.process.output().slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`still starting after 120 s: ${starting.map((r) => r.name).join(', ')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  return {
    dataRoot: root,
    namespace,
    async start() {
      if (ports.length < count) ports.push(...(await freePorts(count - ports.length)));
      if (options.startTogether) {
        for (let index = 0; index < count; index++) running.push(...SERVICES.map((service) => spawnReplica(service, index)));
        await waitHealthy();
        return api();
      }
      // Replica 1 of every service first: the stores' schemas are created once, without a race.
      running = SERVICES.map((service) => spawnReplica(service, 0));
      await waitHealthy();
      for (let index = 1; index < count; index++) running.push(...SERVICES.map((service) => spawnReplica(service, index)));
      await waitHealthy();
      return api();
    },
    replicas: (service) => running.filter((r) => !service || r.service === service),
    async kill(name) {
      const replica = byName(name);
      replica.process.child.kill('SIGKILL');
      await replica.process.exited;
      running = running.filter((r) => r !== replica);
    },
    signal(name, signal) {
      byName(name).process.child.kill(signal);
    },
    async restart(name) {
      const [service, index] = name.split('#');
      running.push(spawnReplica(service, Number(index) - 1));
      await waitHealthy();
    },
    async leaseHolders() {
      const nc = await connect(options.nats ?? { servers: natsUrl });
      try {
        const kv = await nc.jetstream().views.kv(namespace ? `${namespace}-leases` : 'leases', { bindOnly: true });
        // One get per known name: listing the keys of a bucket under constant renewals can miss some.
        const holders: Record<string, { holder: string; token: string }> = {};
        for (const name of PROCESSORS) {
          const entry = await kv.get(name);
          if (entry?.operation === 'PUT') holders[name] = entry.json();
        }
        return holders;
      } finally {
        await nc.close();
      }
    },
    output: (name) => (logs.get(name) ?? []).map((p) => p.output()).join(''),
    env,
    stop: () => stopAll(running.map((r) => r.process)),
    async cleanup() {
      rmSync(root, { recursive: true, force: true });
      if (namespace) await removeNamespace(namespace).catch(() => undefined);
    },
  };
}
