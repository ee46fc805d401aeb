import { spawnSync } from 'node:child_process';

/**
 * Where an adapter suite for an external engine (EventStoreDB, MongoDB) finds its server:
 * - `url`: the environment variable points at one;
 * - `docker`: a Docker engine answers, so testcontainers can start one;
 * - `skip`: neither; the suite prints one line saying so and runs nothing. It never fakes a server.
 */
export type ExternalServerPlan = { kind: 'url'; url: string } | { kind: 'docker' } | { kind: 'skip'; reason: string };

export function planExternalServer(engine: string, envVar: string): ExternalServerPlan {
  const url = process.env[envVar];
  if (url) return { kind: 'url', url };
  if (dockerEngineAnswers()) return { kind: 'docker' };
  return { kind: 'skip', reason: `${engine} adapter suite skipped: ${envVar} is not set and no Docker engine answers for testcontainers.` };
}

let dockerAnswer: boolean | undefined;

export function dockerEngineAnswers(): boolean {
  if (dockerAnswer === undefined) {
    const probe = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 5000, stdio: 'pipe' });
    dockerAnswer = probe.status === 0 && probe.stdout.toString().trim().length > 0;
  }
  return dockerAnswer;
}

/** Registers one visibly skipped test and prints the reason on a single line. */
export function skipSuite(plan: { reason: string }): void {
  process.stdout.write(`${plan.reason}\n`);
  it.skip(plan.reason, () => undefined);
}
