import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from './http';
import { removeNamespace } from './nats-cleanup';
import { ClienteleProcess, compiledClientele, freePort, spawnClientele, stopAll, waitUntilHealthy } from './processes';

/**
 * The two ways to run Clientele, as OS processes from the sources: everything in one process
 * (`npm start`), and every service in its own process over the NATS server on this machine, each
 * with its own SQLite stores, under a namespace of its own.
 */
export interface Deployment {
  /** Where the deployment's data folders live. */
  dataRoot: string;
  start(): Promise<Api>;
  stop(): Promise<void>;
  /** Separate processes only: SIGKILL one service, then start it again. */
  kill?(service: string): Promise<void>;
  restart?(service: string): Promise<void>;
  /** Separate processes only: a service's DATA_DIR (its SQLite files are in `<that>/<service>/`). */
  dataDirOf?(service: string): string;
  /** Separate processes only: the NATS namespace of the deployment's subjects and streams. */
  namespace?: string;
  cleanup(): Promise<void>;
}

/** `env` adds settings to (or overrides those of) the process, as for `separateProcesses`. */
export function singleProcess(env: Record<string, string> = {}): Deployment {
  const dataDir = mkdtempSync(join(tmpdir(), 'clientele-e2e-single-'));
  let processes: ClienteleProcess[] = [];
  let port = 0;
  return {
    dataRoot: dataDir,
    async start() {
      port ||= await freePort();
      processes = [spawnClientele('clientele', { PORT: String(port), DATA_DIR: dataDir, ...env })];
      const api = new Api(`http://127.0.0.1:${port}`);
      await waitUntilHealthy(api, processes);
      return api;
    },
    stop: () => stopAll(processes),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/**
 * The distributed profile on the NATS server on this machine, under `namespace`, with SQLite stores
 * and the dev mailbox: what every service process of `separateProcesses` runs with, and what a suite
 * that runs the distributed profile in its own process (`startInProcess`) gives it.
 */
export function distributedSettings(namespace: string): Record<string, string> {
  return {
    CLIENTELE_PROFILE: 'distributed',
    CLIENTELE_EVENT_STORE: 'sqlite',
    CLIENTELE_DOCUMENT_STORE: 'sqlite',
    CLIENTELE_MAIL: 'dev-mailbox',
    CLIENTELE_NATS_NAMESPACE: namespace,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  };
}

/** A namespace of its own for one deployment's subjects and streams on the shared NATS server. */
export const newNamespace = () => `e2e-${randomUUID().slice(0, 8)}`;

/** `env` adds settings to (or overrides those of) every service process, e.g. CLIENTELE_REQUEST_TIMEOUT_MS. */
export function separateProcesses(env: Record<string, string> = {}): Deployment {
  const root = mkdtempSync(join(tmpdir(), 'clientele-e2e-distributed-'));
  const namespace = newNamespace();
  const jwtSecret = randomUUID() + randomUUID();
  let processes: ClienteleProcess[] = [];
  let port = 0;
  const spawnService = (service: string) =>
    spawnClientele(service, { ...common, CLIENTELE_SERVICES: service, DATA_DIR: join(root, service), PORT: String(port) }, compiledClientele().app(service));
  const common = { ...distributedSettings(namespace), JWT_SECRET: jwtSecret, ...env };
  return {
    dataRoot: root,
    namespace,
    dataDirOf: (service: string) => join(root, service),
    async start() {
      port ||= await freePort();
      processes = ['gateway', 'identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications'].map((service) => spawnService(service));
      const api = new Api(`http://127.0.0.1:${port}`);
      await waitUntilHealthy(api, processes);
      return api;
    },
    async kill(service: string) {
      const victim = processes.find((p) => p.name === service)!;
      victim.child.kill('SIGKILL');
      await victim.exited;
      processes = processes.filter((p) => p !== victim);
    },
    async restart(service: string) {
      processes.push(spawnService(service));
      await waitUntilHealthy(new Api(`http://127.0.0.1:${port}`), processes);
    },
    stop: () => stopAll(processes),
    cleanup: async () => {
      rmSync(root, { recursive: true, force: true });
      await removeNamespace(namespace).catch(() => undefined);
    },
  };
}

/** Both ways, for `describe.each(BOTH_MODES)('… %s', (_mode, deploy) => …)`: the same tests, in one process and as separate processes. */
export const BOTH_MODES: Array<[string, () => Deployment]> = [
  ['in one process', singleProcess],
  ['as separate processes over NATS', separateProcesses],
];

/**
 * A deployment for the suite (or the `describe` block) it is called in: started before its tests,
 * stopped and its data removed after them. Read `deployment` and `api` inside the tests.
 * `startTimeoutMs`: more for deployments of many processes (two replicas of every service).
 */
export function deployedForSuite<D extends Deployment>(
  deploy: () => D,
  startTimeoutMs = 150_000,
): { readonly deployment: D; readonly api: Api; /** Stops the deployment and starts it again on its data; `api` then answers from the new one. */ restart(): Promise<Api> } {
  const running = {
    async restart() {
      await running.deployment.stop();
      running.api = await running.deployment.start();
      return running.api;
    },
  } as { deployment: D; api: Api; restart(): Promise<Api> };
  beforeAll(async () => {
    running.deployment = deploy();
    running.api = await running.deployment.start();
  }, startTimeoutMs);
  afterAll(async () => {
    await running.deployment?.stop();
    await running.deployment?.cleanup();
  }, 60_000);
  return running;
}
