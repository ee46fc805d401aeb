import type { RecordedEvent } from '@clientele/platform/event-store';

/** One line of an audit: what happened, when, by whom, and what changed. */
export interface AuditRow {
  [column: string]: string | boolean;
  time: string;
  service: string;
  stream: string;
  position: string;
  event: string;
  actorId: string;
  actorRole: string;
  accountId: string;
  changes: string;
  /** `from→to` for a client type change, else empty. */
  typeTransition: string;
  /** The change was one of a bulk change (its request changed several clients). */
  bulk: boolean;
  correlationId: string;
}

export const AUDIT_COLUMNS = [
  'time',
  'service',
  'stream',
  'position',
  'event',
  'actorId',
  'actorRole',
  'accountId',
  'changes',
  'typeTransition',
  'bulk',
  'correlationId',
] as const;

type Data = Record<string, unknown>;

const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));

export function eventTime(event: RecordedEvent): string {
  return typeof event.metadata.occurredAt === 'string' ? event.metadata.occurredAt : event.recordedAt.toISOString();
}

export function eventAccount(event: RecordedEvent): string {
  return text(event.data.accountId ?? event.metadata.accountId);
}

/**
 * A row for an event. `data` is the event's data as a reader should see it: for client events,
 * decoded (personal data opened, or `[erased]` once the client's key is shredded).
 */
export function auditRow(service: string, event: RecordedEvent, data: Data, bulk = false): AuditRow {
  const actor = event.metadata.actor;
  const transition = event.type === 'ClientTypeChanged' ? `${text(data.from)}→${text(data.to)}` : '';
  return {
    time: eventTime(event),
    service,
    stream: event.streamName,
    position: event.position.toString(),
    event: event.type,
    actorId: text(actor?.id),
    actorRole: text(actor?.role),
    accountId: text(data.accountId ?? event.metadata.accountId),
    changes: describeChanges(event.type, data) + (bulk ? ' [bulk change]' : ''),
    typeTransition: transition,
    bulk,
    correlationId: text(event.metadata.correlationId),
  };
}

/** A compact human summary of what an event changed. */
export function describeChanges(type: string, data: Data): string {
  switch (type) {
    case 'ClientAdded': {
      const source = (data.source as { kind?: string } | undefined)?.kind;
      const phone = data.phone ? `, ${text(data.phone)}` : '';
      return `added as ${text(data.type)}: ${text(data.firstName)} ${text(data.lastName)} <${text(data.email)}>${phone}; coach ${text(data.coachId)}; source ${text(source)}; invitation ${data.sendInvitation ? 'yes' : 'no'}`;
    }
    case 'ClientTypeChanged':
      return `type ${text(data.from)} → ${text(data.to)} (${text(data.effect)})`;
    case 'ClientContactChanged': {
      const changes = (data.changes ?? {}) as Data;
      return `contact: ${Object.entries(changes)
        .map(([field, value]) => `${field}=${value === null ? '(none)' : text(value)}`)
        .join(', ')}`;
    }
    case 'ClientNoteAdded':
      return `note added: ${JSON.stringify(text(data.body))}`;
    case 'ClientReassigned':
      return `coach ${text(data.from)} → ${text(data.to)}`;
    case 'ClientLoginDetailsRequested':
      return `${text(data.kind).replace(/_/g, ' ')} requested`;
    case 'ClientPasswordResetRequested':
      return 'password reset requested';
    case 'ClientActivated':
      return 'client activated';
    case 'ClientAppAccessActivated':
      return 'app access activated';
    case 'ClientMessageRecorded':
      return `message from ${text(data.from)}`;
    case 'ClientPurchaseRecorded': {
      const amount = data.amount as { amount?: number; currency?: string } | undefined;
      return `purchased product ${text(data.productId)} (${text(amount?.amount)} ${text(amount?.currency)})`;
    }
    case 'ClientDeleted':
      return 'client deleted; personal data erased';
    default:
      return genericSummary(data);
  }
}

/**
 * Any other event: its fields, without ids already shown elsewhere, without sealed data, and
 * without password hashes (an audit is read and exported by people who must not get them).
 */
function genericSummary(data: Data): string {
  const summary = Object.entries(data)
    .filter(([key]) => !['accountId', 'clientId', 'personal', 'sealed', 'body', 'fields', 'passwordHash', 'sealedPasswordHash'].includes(key))
    .map(([key, value]) => `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : text(value)}`)
    .join(', ');
  return summary.length > 160 ? `${summary.slice(0, 157)}...` : summary;
}
