/**
 * NATS subject conventions (architecture.md):
 * - request/reply: `<service>.cmd.<command>` and `<service>.query.<query>` (three tokens);
 * - integration events: `<service>.<aggregate>.<event>.v<N>` (four tokens), all in one JetStream
 *   stream per service whose subject filter is `<service>.*.*.*`.
 * The token counts keep the two apart: a request subject can never be captured by a stream.
 */
const TOKEN = /^[a-z][a-z0-9-]*$/;

function assertToken(kind: string, value: string): void {
  if (!TOKEN.test(value)) throw new Error(`${kind} "${value}" must be lowercase letters, digits and hyphens`);
}

export function commandSubject(service: string, command: string): string {
  assertToken('service', service);
  assertToken('command', command);
  return `${service}.cmd.${command}`;
}

export function querySubject(service: string, query: string): string {
  assertToken('service', service);
  assertToken('query', query);
  return `${service}.query.${query}`;
}

export function integrationEventSubject(service: string, aggregate: string, event: string, version: number): string {
  assertToken('service', service);
  assertToken('aggregate', aggregate);
  assertToken('event', event);
  if (!Number.isInteger(version) || version < 1) throw new Error(`event version must be a positive integer, got ${version}`);
  return `${service}.${aggregate}.${event}.v${version}`;
}

export interface ParsedEventSubject {
  service: string;
  aggregate: string;
  event: string;
  version: number;
}

export function parseIntegrationEventSubject(subject: string): ParsedEventSubject {
  const match = /^([a-z][a-z0-9-]*)\.([a-z][a-z0-9-]*)\.([a-z][a-z0-9-]*)\.v(\d+)$/.exec(subject);
  if (!match) throw new Error(`"${subject}" is not an integration event subject (<service>.<aggregate>.<event>.v<N>)`);
  return { service: match[1], aggregate: match[2], event: match[3], version: Number(match[4]) };
}

/** JetStream stream holding a service's integration events. */
export function eventStreamName(service: string): string {
  assertToken('service', service);
  return `events-${service}`.toUpperCase().replace(/-/g, '_');
}

export function eventStreamSubjects(service: string): string {
  return `${service}.*.*.*`;
}

/** Durable consumer names: `<consumer-service>--<source-service>`, optionally with a purpose. */
export function durableName(consumerService: string, sourceService: string, purpose?: string): string {
  assertToken('service', consumerService);
  assertToken('service', sourceService);
  if (purpose) assertToken('purpose', purpose);
  return purpose ? `${consumerService}--${sourceService}--${purpose}` : `${consumerService}--${sourceService}`;
}

/** NATS wildcard matching (`*` one token, `>` the rest), used where the server cannot filter for us. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
