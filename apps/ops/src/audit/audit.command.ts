import type { ServiceName } from '@clientele/platform/config';
import type { EventStore, RecordedEvent } from '@clientele/platform/event-store';
import type { OpsCommand } from '../ops-command';
import { EVENT_SOURCED_SERVICES, OpsContext, UsageError } from '../ops-context';
import { recordAuditRun } from './audit-log';
import { AUDIT_COLUMNS, AuditRow, auditRow, eventAccount, eventTime } from './describe';
import { OutputFormat, toCsv, toTable } from './format';
import { ClientPersonalData } from './personal-data';

const PAGE = 1000;

/**
 * `audit client <id>`: one client's whole history; `audit events ...`: events of every service,
 * filtered. Tables for people, `--json` (one array) and `--csv` (RFC 4180) for tools. Every run is
 * recorded as an `AuditRunRecorded` event in the ops event store.
 */
export const auditCommand: OpsCommand = {
  name: 'audit',
  usage: [
    'audit client <client-id> [--json|--csv]',
    'audit events [--from ISO] [--to ISO] [--type T[,T]] [--actor ID] [--account ID] [--service S] [--limit N] [--json|--csv]',
  ],
  async run(context, args) {
    const [sub, ...rest] = args;
    const { format, rest: remaining } = takeFormat(rest);
    let rows: AuditRow[];
    if (sub === 'client') {
      if (remaining.length !== 1 || remaining[0].startsWith('--')) throw new UsageError('audit client takes exactly one client id.');
      const found = await clientHistory(context, remaining[0]);
      if (!found) {
        await recordAuditRun(context.config, { operator: context.operator, command: 'audit client', arguments: [...args], resultCount: 0 });
        context.output.err(`No client ${remaining[0]}: the clients event store has no stream client-${remaining[0]}.\n`);
        return 1;
      }
      rows = found;
    } else if (sub === 'events') {
      rows = await filteredEvents(context, parseEventFilters(remaining));
    } else {
      throw new UsageError(sub === undefined ? 'audit needs "client" or "events".' : `Unknown audit "${sub}".`);
    }
    context.output.out(render(rows, format, sub === 'client'));
    await recordAuditRun(context.config, { operator: context.operator, command: `audit ${sub}`, arguments: [...args], resultCount: rows.length });
    context.output.err(`${rows.length} event(s); this audit run was recorded.\n`);
    return 0;
  },
};

function takeFormat(args: readonly string[]): { format: OutputFormat; rest: string[] } {
  const json = args.includes('--json');
  const csv = args.includes('--csv');
  if (json && csv) throw new UsageError('Choose one of --json and --csv.');
  return { format: json ? 'json' : csv ? 'csv' : 'table', rest: args.filter((a) => a !== '--json' && a !== '--csv') };
}

function render(rows: readonly AuditRow[], format: OutputFormat, oneClient: boolean): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === 'csv') return toCsv(AUDIT_COLUMNS, rows);
  if (rows.length === 0) return 'No events.\n';
  // Type transitions are marked ▶ so they stand out when scanning a history.
  const headers = oneClient ? ['TIME', 'EVENT', 'ACTOR', 'CHANGES'] : ['TIME', 'SERVICE', 'STREAM', 'EVENT', 'ACTOR', 'CHANGES'];
  return toTable(
    headers,
    rows.map((row) => {
      const event = `${row.typeTransition ? '▶ ' : '  '}${row.event}`;
      const actor = row.actorId ? `${row.actorId} (${row.actorRole})` : '-';
      return oneClient ? [row.time, event, actor, row.changes] : [row.time, row.service, row.stream, event, actor, row.changes];
    }),
  );
}

/** Reads the whole store (or the events selected by `eventTypes`) page by page. */
async function* readEverything(store: EventStore, eventTypes?: readonly string[]): AsyncGenerator<RecordedEvent> {
  let after: bigint | undefined;
  for (;;) {
    const page = await store.readAll({ after, maxCount: PAGE, ...(eventTypes ? { filter: { eventTypes } } : {}) });
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1].position;
  }
}

/**
 * The correlation ids of the type changes that touched more than one client: the bulk change
 * records one per client under the request's correlation id, a single change just one.
 */
async function bulkCorrelations(context: OpsContext): Promise<Set<string>> {
  const clientsBy = new Map<string, Set<string>>();
  for await (const event of readEverything(await context.eventStore('clients'), ['ClientTypeChanged'])) {
    const correlation = event.metadata.correlationId;
    if (typeof correlation !== 'string') continue;
    const streams = clientsBy.get(correlation) ?? new Set<string>();
    streams.add(event.streamName);
    clientsBy.set(correlation, streams);
  }
  return new Set([...clientsBy].filter(([, streams]) => streams.size > 1).map(([correlation]) => correlation));
}

const isBulk = (event: RecordedEvent, bulk: Set<string>) =>
  event.type === 'ClientTypeChanged' && typeof event.metadata.correlationId === 'string' && bulk.has(event.metadata.correlationId);

/** The client's own stream, its session links, and its streams in other services (login, messages, programs); null when the client never existed. */
async function clientHistory(context: OpsContext, clientId: string): Promise<AuditRow[] | null> {
  const own = await (await context.eventStore('clients')).readStream(`client-${clientId}`);
  if (own.length === 0) return null;
  const personal = new ClientPersonalData(context);
  const bulk = own.some((e) => e.type === 'ClientTypeChanged') ? await bulkCorrelations(context) : new Set<string>();
  const rows: AuditRow[] = [];
  for (const event of own) rows.push(auditRow('clients', event, await personal.open(event), isBulk(event, bulk)));
  const related: Array<[ServiceName, string]> = [
    ['clients', `sessionlinks-${clientId}`],
    ['identity', `clientlogin-${clientId}`],
    ['messaging', `thread-${clientId}`],
    ['scheduling', `programs-${clientId}`],
  ];
  for (const [service, stream] of related) {
    // Message bodies stay sealed: the audit says a message was sent, not what it said.
    for (const event of await (await context.eventStore(service)).readStream(stream)) rows.push(auditRow(service, event, event.data));
  }
  return sortRows(rows);
}

function sortRows(rows: AuditRow[]): AuditRow[] {
  return rows.sort((a, b) => a.time.localeCompare(b.time) || a.service.localeCompare(b.service) || compareBig(a.position, b.position));
}

const compareBig = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

export interface EventFilters {
  from?: string;
  to?: string;
  types?: string[];
  actor?: string;
  account?: string;
  services: ServiceName[];
  limit?: number;
}

export function parseEventFilters(args: readonly string[]): EventFilters {
  const filters: EventFilters = { services: [...EVENT_SOURCED_SERVICES] };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (!flag.startsWith('--')) throw new UsageError(`Unexpected argument "${flag}".`);
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value.`);
    i++;
    switch (flag) {
      case '--from':
        filters.from = isoDate(flag, value);
        break;
      case '--to':
        filters.to = isoDate(flag, value);
        break;
      case '--type':
        filters.types = value.split(',').map((t) => t.trim()).filter(Boolean);
        if (filters.types.length === 0) throw new UsageError('--type needs at least one event type.');
        break;
      case '--actor':
        filters.actor = value;
        break;
      case '--account':
        filters.account = value;
        break;
      case '--service':
        if (!(EVENT_SOURCED_SERVICES as readonly string[]).includes(value)) {
          throw new UsageError(`--service must be one of ${EVENT_SOURCED_SERVICES.join(', ')}.`);
        }
        filters.services = [value as ServiceName];
        break;
      case '--limit':
        if (!/^[1-9]\d*$/.test(value)) throw new UsageError('--limit must be a positive whole number.');
        filters.limit = Number(value);
        break;
      default:
        throw new UsageError(`Unknown option ${flag}.`);
    }
  }
  if (filters.from && filters.to && filters.from > filters.to) throw new UsageError('--from is after --to.');
  return filters;
}

/** A date (`2024-05-01`) or date-time with a zone (`2024-05-01T10:00:00Z`), as a comparable ISO string. */
function isoDate(flag: string, value: string): string {
  const shape = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
  const time = Date.parse(value);
  if (!shape.test(value) || Number.isNaN(time)) throw new UsageError(`${flag} must be an ISO date or date-time with a zone (2024-05-01 or 2024-05-01T10:00:00Z), not "${value}".`);
  return new Date(time).toISOString();
}

/** Events of the chosen services that pass every filter, oldest first (`--from` inclusive, `--to` exclusive). */
async function filteredEvents(context: OpsContext, filters: EventFilters): Promise<AuditRow[]> {
  const personal = new ClientPersonalData(context);
  const matches: Array<{ service: ServiceName; event: RecordedEvent }> = [];
  for (const service of filters.services) {
    for await (const event of readEverything(await context.eventStore(service), filters.types)) {
      const time = new Date(eventTime(event)).toISOString();
      if (filters.from && time < filters.from) continue;
      if (filters.to && time >= filters.to) continue;
      if (filters.actor && event.metadata.actor?.id !== filters.actor) continue;
      if (filters.account && eventAccount(event) !== filters.account) continue;
      matches.push({ service, event });
    }
  }
  const bulk = matches.some((m) => m.event.type === 'ClientTypeChanged') ? await bulkCorrelations(context) : new Set<string>();
  const rows: AuditRow[] = [];
  for (const { service, event } of matches) {
    const data = service === 'clients' ? await personal.open(event) : event.data;
    rows.push(auditRow(service, event, data, isBulk(event, bulk)));
  }
  const sorted = sortRows(rows);
  return filters.limit ? sorted.slice(0, filters.limit) : sorted;
}
