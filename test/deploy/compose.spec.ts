import { SETTINGS, describeConfig, loadConfig } from '@clientele/platform/config';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { interpolate } from '../production/compose-environment';

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
  ports?: string[];
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
const loopback = read('deploy/compose.engines-on-loopback.yml');
/** The PostgreSQL production stack (issue 18), which test/production/rehearsal.e2e.spec.ts runs on loopback. */
const postgresStack = read('deploy/compose.postgres.yml');

/** The secrets of deploy/env.example, with values, as a `.env` would give them. */
const SAMPLE_ENV: Record<string, string> = {
  JWT_SECRET: 'x'.repeat(48),
  SENDGRID_API_KEY: 'SG.test',
  NATS_PASSWORD: 'natsfeedface',
  EVENTSTORE_ADMIN_PASSWORD: 'esdbfeedface',
  EVENTSTORE_OPS_PASSWORD: 'opsfeedface',
  MONGO_ROOT_PASSWORD: 'mongofeedface',
  MONGO_REPLICA_SET_KEY: 'a2V5a2V5a2V5',
  POSTGRES_PASSWORD: 'pgfeedface',
};

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
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...SAMPLE_ENV };
    execFileSync(command, [...prefix, '-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, env });
    execFileSync(command, [...prefix, '-f', 'docker-compose.yml', '-f', 'deploy/compose.eventstore-cluster.yml', 'config', '-q'], { cwd: root, env });
    const { JWT_SECRET: _jwt, ...withoutJwt } = env;
    const withoutSecret = spawnSync(command, [...prefix, '-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, env: withoutJwt, encoding: 'utf8' });
    expect(withoutSecret.status).not.toBe(0);
    expect(withoutSecret.stderr).toMatch(/JWT_SECRET/);
    // Every engine's credentials are required too: no server starts open for want of a password.
    for (const name of ['NATS_PASSWORD', 'EVENTSTORE_ADMIN_PASSWORD', 'MONGO_ROOT_PASSWORD', 'MONGO_REPLICA_SET_KEY']) {
      const without = spawnSync(command, [...prefix, '-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, env: { ...env, [name]: '' }, encoding: 'utf8' });
      expect({ name, refused: without.status !== 0 && without.stderr.includes(name) }).toEqual({ name, refused: true });
    }
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
    expect(String(compose.services.gateway.environment?.NATS_URL).split(',').map((url) => url.replace(/^nats:\/\/[^@]+@/, 'nats://'))).toEqual(nodes.map((n) => `nats://${n}:4222`));
  });

  it('has a 3-member MongoDB replica set, initiated once, and EventStoreDB with a 3-node variant', () => {
    expect(String(compose.services.gateway.environment?.MONGO_URL).replace(/^mongodb:\/\/[^@]+@/, 'mongodb://')).toBe('mongodb://mongo-1:27017,mongo-2:27017,mongo-3:27017/?replicaSet=rs0&authSource=admin');
    for (const node of ['mongo-1', 'mongo-2', 'mongo-3']) expect(compose.services[node].entrypoint!.join(' ')).toContain('mongod --replSet rs0 --bind_ip_all --keyFile');
    expect(compose.services['mongo-init'].entrypoint!.join(' ')).toMatch(/rs\.initiate/);
    expect(compose.services.clients.depends_on?.['mongo-init']).toEqual({ condition: 'service_completed_successfully' });
    const esdb = ['eventstore', 'eventstore-2', 'eventstore-3'].map((name) => cluster.services[name]);
    for (const node of esdb) {
      expect(node.environment?.EVENTSTORE_CLUSTER_SIZE).toBe(3);
      expect(String(node.environment?.EVENTSTORE_GOSSIP_SEED).split(',')).toHaveLength(2);
    }
    expect(cluster.services.clients.environment?.EVENTSTORE_URL).toMatch(/^esdb\+discover:\/\//);
  });

  it('publishes only the proxy on the host; the engines only on 127.0.0.1, and only with the developer override (issue 17)', () => {
    for (const file of [compose, cluster, postgresStack]) {
      const published = Object.entries(file.services).filter(([, service]) => service.ports !== undefined).map(([name]) => name);
      expect(published).toEqual(file === cluster ? [] : ['proxy']);
    }
    expect(postgresStack.services.proxy.ports).toEqual(['3000:3000']);
    expect(compose.services.proxy.ports).toEqual(['3000:3000']);
    for (const [name, service] of Object.entries(loopback.services)) {
      for (const port of service.ports ?? []) expect({ name, port }).toEqual({ name, port: expect.stringMatching(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}:/) });
    }
    // A replica-set client connects to the members as the set advertises them (mongo-N:27017): each
    // is published on that port, on a loopback address of its own that /etc/hosts maps its name to.
    expect(['mongo-1', 'mongo-2', 'mongo-3'].map((name) => loopback.services[name]?.ports)).toEqual([
      ['127.0.0.1:27017:27017'],
      ['127.0.0.2:27017:27017'],
      ['127.0.0.3:27017:27017'],
    ]);
    const header = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');
    for (const [address, name] of [['127.0.0.1', 'mongo-1'], ['127.0.0.2', 'mongo-2'], ['127.0.0.3', 'mongo-3']]) expect(header).toContain(`${address} ${name}`);
    // The host-side recipe reaches the replica set (whichever member is primary), not one member directly.
    expect(header).toMatch(/MONGO_URL="mongodb:\/\/[^"]*@mongo-1:27017,mongo-2:27017,mongo-3:27017\/\?replicaSet=rs0&authSource=admin"/);
    expect(header).not.toMatch(/directConnection=true/);
  });

  it('gives every NATS, EventStoreDB and MongoDB server credentials from .env, and the services URLs that carry them (issue 17)', () => {
    const required = (name: string) => new RegExp(`\\$\\{${name}:\\?`);
    for (const node of ['nats-1', 'nats-2', 'nats-3']) {
      const command = compose.services[node].command!.join(' ');
      expect(command).toMatch(/--user \$\{NATS_USER:-clientele\}/);
      expect(command).toMatch(new RegExp(`--pass ${required('NATS_PASSWORD').source}`));
    }
    const esdbNodes = [compose.services.eventstore, ...['eventstore', 'eventstore-2', 'eventstore-3'].map((name) => cluster.services[name])];
    for (const node of esdbNodes) {
      // Insecure mode turns authentication off altogether: secure mode, with certificates, instead.
      expect(node.environment?.EVENTSTORE_INSECURE).toBeUndefined();
      expect({ ...compose.services.eventstore.environment, ...node.environment }).toMatchObject({
        EVENTSTORE_CERTIFICATE_FILE: expect.any(String),
        EVENTSTORE_DEFAULT_ADMIN_PASSWORD: expect.stringMatching(required('EVENTSTORE_ADMIN_PASSWORD')),
        EVENTSTORE_DEFAULT_OPS_PASSWORD: expect.stringMatching(required('EVENTSTORE_OPS_PASSWORD')),
      });
    }
    for (const node of ['mongo-1', 'mongo-2', 'mongo-3']) {
      expect(compose.services[node].environment).toMatchObject({
        MONGO_INITDB_ROOT_PASSWORD: expect.stringMatching(required('MONGO_ROOT_PASSWORD')),
        MONGO_REPLICA_SET_KEY: expect.stringMatching(required('MONGO_REPLICA_SET_KEY')),
      });
    }
    expect(compose.services['mongo-init'].entrypoint!.join(' ')).toMatch(new RegExp(`--password ${required('MONGO_ROOT_PASSWORD').source}`));

    // What every service gets, once Compose has read .env: URLs with the credentials, which the
    // configuration accepts, takes apart for NATS, and never shows in its description.
    for (const file of [compose, { services: { ...compose.services, ...Object.fromEntries(SERVICES.map((name) => [name, { environment: { ...compose.services[name].environment, ...cluster.services[name].environment } }])) } }]) {
      for (const name of SERVICES) {
        const raw = file.services[name].environment!;
        expect(raw.NATS_URL).toMatch(required('NATS_PASSWORD'));
        expect(raw.EVENTSTORE_URL).toMatch(required('EVENTSTORE_ADMIN_PASSWORD'));
        expect(raw.MONGO_URL).toMatch(required('MONGO_ROOT_PASSWORD'));
        const env = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, interpolate(String(value), SAMPLE_ENV)]));
        const config = loadConfig(env, '/app');
        expect(config.natsAuth).toEqual({ user: 'clientele', pass: SAMPLE_ENV.NATS_PASSWORD });
        expect(config.natsServers.join(',')).not.toContain(SAMPLE_ENV.NATS_PASSWORD);
        const credentials = (url: string) => url.match(/^[a-z+]+:\/\/([^:@/]+):([^@/]+)@/)?.slice(1);
        expect(credentials(config.eventStoreUrl!)).toEqual(['admin', SAMPLE_ENV.EVENTSTORE_ADMIN_PASSWORD]);
        expect(config.eventStoreUrl).toMatch(/[?&]tls=true/);
        expect(credentials(config.mongoUrl!)).toEqual(['clientele', SAMPLE_ENV.MONGO_ROOT_PASSWORD]);
        expect(JSON.stringify(describeConfig(config))).not.toMatch(/feedface/);
      }
    }

    // deploy/env.example names every secret the files require.
    const example = readFileSync(resolve(root, 'deploy/env.example'), 'utf8');
    const files = ['docker-compose.yml', 'deploy/compose.eventstore-cluster.yml', 'deploy/compose.postgres.yml'].map((file) => readFileSync(resolve(root, file), 'utf8')).join('\n');
    for (const [, name] of files.matchAll(/\$\{([A-Z_]+):\?/g)) expect({ name, listed: new RegExp(`^${name}=`, 'm').test(example) }).toEqual({ name, listed: true });
  });

  it('takes every secret from the environment, pins every image and uses only settings Clientele knows', () => {
    const files = [compose, cluster, postgresStack];
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

describe('deploy/compose.postgres.yml (static): the PostgreSQL production stack', () => {
  const env = (name: string) => Object.fromEntries(Object.entries(postgresStack.services[name].environment!).map(([key, value]) => [key, interpolate(String(value), SAMPLE_ENV)]));

  it('parses with Compose itself and refuses to start without its secrets', () => {
    const binary = composeBinary();
    if (!binary) {
      console.log('compose validation skipped: neither `docker compose` nor `docker-compose` is installed (the content rules below still ran)');
      return;
    }
    const [command, ...prefix] = binary;
    const environment: Record<string, string> = { PATH: process.env.PATH ?? '', ...SAMPLE_ENV };
    execFileSync(command, [...prefix, '-f', 'deploy/compose.postgres.yml', 'config', '-q'], { cwd: root, env: environment });
    for (const name of ['JWT_SECRET', 'NATS_PASSWORD', 'POSTGRES_PASSWORD']) {
      const without = spawnSync(command, [...prefix, '-f', 'deploy/compose.postgres.yml', 'config', '-q'], { cwd: root, env: { ...environment, [name]: '' }, encoding: 'utf8' });
      expect({ name, refused: without.status !== 0 && without.stderr.includes(name) }).toEqual({ name, refused: true });
    }
  });

  it('runs two replicas of every service with health checks, a 3-node NATS cluster and one PostgreSQL server, and none of the design card\'s engines', () => {
    for (const name of SERVICES) {
      const service = postgresStack.services[name];
      expect({ name, replicas: service.deploy?.replicas }).toEqual({ name, replicas: 2 });
      expect(service.healthcheck?.test.join(' ')).toMatch(/\/health\/ready/);
      expect(service.stop_grace_period).toBe('30s');
      expect(service.environment?.CLIENTELE_SERVICES).toBe(name);
      expect(service.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    }
    const nodes = ['nats-1', 'nats-2', 'nats-3'];
    for (const node of nodes) {
      const command = postgresStack.services[node].command!.join(' ');
      expect(command).toMatch(/--jetstream/);
      expect(command).toMatch(/--cluster_name clientele/);
      for (const other of nodes.filter((n) => n !== node)) expect(command).toContain(`nats://${other}:6222`);
      expect(postgresStack.services[node].healthcheck?.test.join(' ')).toMatch(/healthz/);
    }
    expect(postgresStack.services.postgres.image).toMatch(/^postgres:\d+/);
    expect(postgresStack.services.postgres.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(Object.keys(postgresStack.services).filter((name) => /eventstore|mongo/.test(name))).toEqual([]);
    expect(postgresStack.services.proxy.image).toMatch(/^caddy:2\.\d+/);
  });

  it('gives every service PostgreSQL stores, 3 copies of every stream and bucket, and URLs with the credentials of .env', () => {
    for (const name of SERVICES) {
      const raw = postgresStack.services[name].environment!;
      expect(raw.NATS_URL).toMatch(/\$\{NATS_PASSWORD:\?/);
      expect(raw.POSTGRES_URL).toMatch(/\$\{POSTGRES_PASSWORD:\?/);
      expect(raw.EVENTSTORE_URL).toBeUndefined();
      expect(raw.MONGO_URL).toBeUndefined();
      const config = loadConfig(env(name), '/app');
      expect(config).toMatchObject({ eventStore: 'postgres', documentStore: 'postgres', bus: 'nats', busReplicas: 3 });
      expect(config.natsServers.map((url) => url.replace(/^nats:\/\/[^@]+@/, 'nats://'))).toEqual(['nats://nats-1:4222', 'nats://nats-2:4222', 'nats://nats-3:4222']);
      expect(config.natsAuth).toEqual({ user: 'clientele', pass: SAMPLE_ENV.NATS_PASSWORD });
      expect(config.postgresUrl).toBe(`postgres://clientele:${SAMPLE_ENV.POSTGRES_PASSWORD}@postgres:5432/clientele`);
      expect(JSON.stringify(describeConfig(config))).not.toMatch(/feedface/);
    }
    // The gateways believe X-Forwarded-For only from the edge network, which holds the proxy and the gateways alone.
    const networks = (read('deploy/compose.postgres.yml') as unknown as { networks: { edge: { ipam: { config: Array<{ subnet: string }> } } } }).networks;
    expect(postgresStack.services.gateway.environment?.CLIENTELE_TRUSTED_PROXIES).toBe(networks.edge.ipam.config[0].subnet);
  });
});
