import { ConfigError, describeConfig, loadConfig } from '@clientele/platform/config';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ComposeFile, ComposeService, interpolate, readCompose, root } from '../production/compose-environment';

/**
 * Every Clientele container of every compose file in the repository, started on paper: its
 * `environment:` as Compose hands it over (interpolated from a `.env` made of deploy/env.example)
 * goes through the real configuration loader, which is what the container runs first. A setting
 * the loader refuses would stop that container at start, so the test names the file, the service
 * and the loader's sentence (which names the setting). Files are found by name, so a new one is
 * covered without touching this test.
 */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.nx', 'dist', 'coverage', 'data', 'tmp']);

function composeFiles(folder = root): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : composeFiles(join(folder, entry.name));
    return /compose[^/]*\.ya?ml$/.test(entry.name) ? [relative(root, join(folder, entry.name))] : [];
  });
}

type Service = ComposeService & { build?: unknown };
type Stack = { name: string; files: string[]; services: Record<string, Service> };

/**
 * An override patches services another file defines (a service with neither `image` nor `build`),
 * so it is only ever run on top of its base: the files its own header tells the operator to put
 * before it, `docker compose -f docker-compose.yml -f deploy/<override> ...`.
 */
function basesOf(file: string, text: string, services: Record<string, Service>): string[] | null {
  if (Object.values(services).every((service) => service.image !== undefined || service.build !== undefined)) return null;
  const own = file.replace(/^deploy\//, '(deploy/)?').replace(/\./g, '\\.');
  const usage = new RegExp(`((?:-f\\s+\\S+\\s+)+)-f\\s+${own}(?=\\s)`).exec(text);
  if (!usage) throw new Error(`${file} patches services it does not define, but its header names no base file (\`docker compose -f <base> -f ${file}\`)`);
  return [...usage[1].matchAll(/-f\s+(\S+)/g)].map(([, base]) => base);
}

/** Compose's merge of several files: a later file's service keys replace earlier ones, its environment entries are added one by one. */
function merge(files: ComposeFile[]): Record<string, Service> {
  const services: Record<string, Service> = {};
  for (const file of files) {
    for (const [name, service] of Object.entries(file.services ?? {})) {
      const before = services[name] ?? {};
      services[name] = { ...before, ...service, environment: { ...before.environment, ...service.environment } };
    }
  }
  return services;
}

function stacks(): Stack[] {
  return composeFiles().map((file) => {
    const compose = readCompose(file);
    const bases = basesOf(file, readFileSync(join(root, file), 'utf8'), compose.services ?? {});
    const files = [...(bases ?? []), file];
    return { name: bases ? `${file} (over ${bases.join(', ')})` : file, files, services: merge(files.map(readCompose)) };
  });
}

/** The image deploy/Dockerfile builds: its containers run Clientele; the others are the engines and the proxy. */
const runsClientele = (service: Service) => service.build !== undefined || /^clientele[:/]/.test(service.image ?? '');

/** The environment Compose hands the container: every value interpolated from `.env` (a missing `${X:?...}` throws, naming X). */
const environmentOf = (service: Service, dotenv: Record<string, string>) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value), dotenv)]));

const isClusteredNats = (service: Service) => /^nats:/.test(service.image ?? '') && (service.command ?? []).includes('--cluster_name');

/** deploy/env.example as an operator fills it: every empty secret given a random hex value (what its comments ask for). */
function dotenvFromExample(): Record<string, string> {
  const lines = readFileSync(join(root, 'deploy/env.example'), 'utf8').split('\n');
  const entries = lines.filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line)).map((line) => line.split(/=(.*)/s, 2) as [string, string]);
  return Object.fromEntries(entries.map(([name, value]) => [name, value.trim() || randomBytes(24).toString('hex')]));
}

describe('every compose file loads clean through the configuration loader (issue 19)', () => {
  const dotenv = dotenvFromExample();
  const secrets = Object.entries(dotenv).filter(([name]) => /PASSWORD|SECRET|KEY/.test(name)).map(([, value]) => value);
  const all = stacks();

  it('finds the compose files of the repository, and the Clientele services of each', () => {
    expect(all.map((stack) => stack.files.at(-1))).toEqual(expect.arrayContaining(['docker-compose.yml', 'deploy/compose.postgres.yml', 'deploy/compose.eventstore-cluster.yml']));
    for (const stack of all) expect({ stack: stack.name, clientele: Object.values(stack.services).filter(runsClientele).length }).toEqual({ stack: stack.name, clientele: 7 });
  });

  it('gives every Clientele container a configuration that loads, and never shows a secret in the loggable description', () => {
    const failures: string[] = [];
    for (const stack of all) {
      for (const [name, service] of Object.entries(stack.services).filter(([, s]) => runsClientele(s))) {
        const where = `${stack.name}, service ${name}`;
        try {
          const described = JSON.stringify(describeConfig(loadConfig(environmentOf(service, dotenv), '/app')));
          for (const secret of secrets) if (described.includes(secret)) failures.push(`${where}: the loggable description shows a secret of .env`);
        } catch (error) {
          const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
          failures.push(...problems.map((problem) => `${where}: ${problem}`));
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps 3 copies of every JetStream stream and bucket wherever the NATS servers form a 3-node cluster (CLIENTELE_BUS_REPLICAS)', () => {
    const clustered = all.filter((stack) => Object.values(stack.services).filter(isClusteredNats).length === 3);
    expect(clustered.length).toBeGreaterThan(0);
    for (const stack of clustered) {
      for (const [name, service] of Object.entries(stack.services).filter(([, s]) => runsClientele(s))) {
        const { busReplicas } = loadConfig(environmentOf(service, dotenv), '/app');
        expect({ stack: stack.name, name, busReplicas }).toEqual({ stack: stack.name, name, busReplicas: 3 });
      }
    }
  });
});
