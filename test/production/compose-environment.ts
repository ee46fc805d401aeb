import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * What a production compose file gives each container, read from the file itself so that the
 * rehearsal and the file cannot drift apart: the `environment:` of a service with Compose's
 * interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?error}` from a `.env`, then moved onto
 * loopback by replacing the host names of the stack's servers (and nothing else in the values).
 */
export const root = resolve(__dirname, '..', '..');

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  deploy?: { replicas?: number };
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** The file, with merge keys (`<<: *anchor`) resolved as Compose reads them. */
export function readCompose(file: string): ComposeFile {
  return parse(readFileSync(resolve(root, file), 'utf8'), { merge: true }) as ComposeFile;
}

/** Compose's interpolation: an unset or empty variable takes the default (`:-`) or is an error (`:?`). */
export function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    if (env[name]) return env[name];
    if (kind === '-') return rest ?? '';
    if (kind === '?') throw new Error(`${name} is required: ${rest}`);
    return '';
  });
}

/** The environment Compose gives a container of `service`, with `dotenv` as its `.env`. */
export function composeEnvironment(compose: ComposeFile, service: string, dotenv: Record<string, string>): Record<string, string> {
  const raw = compose.services[service]?.environment;
  if (!raw) throw new Error(`the compose file has no environment for ${service}`);
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, interpolate(String(value), dotenv)]));
}

/** A service's command line as Compose runs it (e.g. a NATS node's), interpolated. */
export function composeCommand(compose: ComposeFile, service: string, dotenv: Record<string, string>): string[] {
  const command = compose.services[service]?.command;
  if (!command) throw new Error(`the compose file has no command for ${service}`);
  return command.map((part) => interpolate(part, dotenv));
}

/**
 * Replaces `host:port` of the stack's servers inside URLs (after `//`, `@` or `,`), e.g.
 * `nats-1:4222` -> `127.0.0.1:41234`, and says which hosts it met: a host name the map lacks
 * stays, and the caller can refuse it.
 */
export function onLoopback(value: string, hosts: Record<string, string>): { value: string; replaced: string[] } {
  const replaced: string[] = [];
  const moved = value.replace(/(?<=[/@,])([A-Za-z0-9.-]+:\d+)(?=[/,?]|$)/g, (hostPort: string) => {
    const target = hosts[hostPort];
    if (target === undefined) return hostPort;
    replaced.push(hostPort);
    return target;
  });
  return { value: moved, replaced };
}
