import { SETTINGS } from '@clientele/platform/config';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * The production compose file cannot run here (no Docker engine), so it is checked statically:
 * by Compose itself when a `docker compose` or `docker-compose` binary is installed (it parses and
 * interpolates without an engine), and by these rules on its content in any case.
 */
const root = resolve(__dirname, '..', '..');
// Merge keys (`<<: *anchor`) as Compose reads them.
const read = (file: string) => parse(readFileSync(resolve(root, file), 'utf8'), { merge: true }) as ComposeFile;
const SERVICES = ['gateway', 'identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications'];

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  deploy?: { replicas?: number };
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
  entrypoint?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const compose = read('docker-compose.yml');
const cluster = read('deploy/compose.eventstore-cluster.yml');

function composeBinary(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}

describe('docker-compose.yml (static)', () => {
  it('parses with Compose itself, alone and with the EventStoreDB cluster variant, and refuses to start without its secrets', () => {
    const binary = composeBinary();
    if (!binary) {
      console.log('compose validation skipped: neither `docker compose` nor `docker-compose` is installed (the content rules below still ran)');
      return;
    }
    const [command, ...prefix] = binary;
    const env = { PATH: process.env.PATH ?? '', JWT_SECRET: 'x'.repeat(48), SENDGRID_API_KEY: 'SG.test' };
    execFileSync(command, [...prefix, '-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, env });
    execFileSync(command, [...prefix, '-f', 'docker-compose.yml', '-f', 'deploy/compose.eventstore-cluster.yml', 'config', '-q'], { cwd: root, env });
    const withoutSecret = spawnSync(command, [...prefix, '-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, env: { PATH: env.PATH, SENDGRID_API_KEY: 'SG.test' }, encoding: 'utf8' });
    expect(withoutSecret.status).not.toBe(0);
    expect(withoutSecret.stderr).toMatch(/JWT_SECRET/);
  });

  it('runs two replicas of every service, each with a readiness health check and time to shut down gracefully', () => {
    for (const name of SERVICES) {
      const service = compose.services[name];
      expect({ name, replicas: service.deploy?.replicas }).toEqual({ name, replicas: 2 });
      expect(service.healthcheck?.test.join(' ')).toMatch(/\/health\/ready/);
      expect(service.stop_grace_period).toBe('30s');
      expect(service.environment?.CLIENTELE_SERVICES).toBe(name);
      // Replicas of one service must not share a host port: only the load balancer publishes one.
      expect((service as { ports?: unknown }).ports).toBeUndefined();
    }
    expect(compose.services.proxy.image).toMatch(/^caddy:2\.\d+/);
  });

  it('has a 3-node NATS JetStream cluster, each node routed to the other two', () => {
    const nodes = ['nats-1', 'nats-2', 'nats-3'];
    for (const node of nodes) {
      const command = compose.services[node].command!.join(' ');
      expect(command).toMatch(/--jetstream/);
      expect(command).toMatch(/--cluster_name clientele/);
      for (const other of nodes.filter((n) => n !== node)) expect(command).toContain(`nats://${other}:6222`);
      expect(compose.services[node].healthcheck?.test.join(' ')).toMatch(/healthz/);
    }
    expect(compose.services.gateway.environment?.NATS_URL).toBe(nodes.map((n) => `nats://${n}:4222`).join(','));
  });

  it('has a 3-member MongoDB replica set, initiated once, and EventStoreDB with a 3-node variant', () => {
    expect(compose.services.gateway.environment?.MONGO_URL).toBe('mongodb://mongo-1:27017,mongo-2:27017,mongo-3:27017/?replicaSet=rs0');
    for (const node of ['mongo-1', 'mongo-2', 'mongo-3']) expect(compose.services[node].command).toEqual(['--replSet', 'rs0', '--bind_ip_all']);
    expect(compose.services['mongo-init'].entrypoint!.join(' ')).toMatch(/rs\.initiate/);
    expect(compose.services.clients.depends_on?.['mongo-init']).toEqual({ condition: 'service_completed_successfully' });
    const esdb = ['eventstore', 'eventstore-2', 'eventstore-3'].map((name) => cluster.services[name]);
    for (const node of esdb) {
      expect(node.environment?.EVENTSTORE_CLUSTER_SIZE).toBe(3);
      expect(String(node.environment?.EVENTSTORE_GOSSIP_SEED).split(',')).toHaveLength(2);
    }
    expect(cluster.services.clients.environment?.EVENTSTORE_URL).toMatch(/^esdb\+discover:\/\//);
  });

  it('takes every secret from the environment, pins every image and uses only settings Clientele knows', () => {
    const files = [compose, cluster];
    for (const file of files) {
      for (const [name, service] of Object.entries(file.services)) {
        if (service.image) expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/^[\w./-]+:[\w.-]+$/) });
        expect(service.image ?? '').not.toMatch(/:latest$/);
        for (const [key, value] of Object.entries(service.environment ?? {})) {
          if (/SECRET|API_KEY|PASSWORD/.test(key)) expect({ key, value }).toEqual({ key, value: expect.stringMatching(/^\$\{[A-Z_]+:\?/) });
          if (key.startsWith('CLIENTELE_')) expect({ key, known: key in SETTINGS }).toEqual({ key, known: true });
        }
      }
    }
  });
});
