import { privateDirectory, type ClienteleConfig } from '@clientele/platform/config';
import { EventStore, PostgresEventStore, SqliteEventStore } from '@clientele/platform/event-store';
import { postgresStoreOptions } from '@clientele/platform/runtime';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

export const AUDIT_RUN_RECORDED = 'AuditRunRecorded';

export interface AuditRunRecordedData {
  operator: string;
  command: string;
  arguments: string[];
  resultCount: number;
  ranAt: string;
}

/** One stream per day of audit runs: `opsaudit-2024-05-01`. */
export const auditStream = (ranAt: string) => `opsaudit-${ranAt.slice(0, 10)}`;

/**
 * The ops tool's own event store, the only place it writes: `<DATA_DIR>/ops/events.sqlite` in the
 * embedded profile; on EventStoreDB the same server as the services, in its own `opsaudit-*`
 * streams (no service reads that category); on PostgreSQL the services' database, in a schema of
 * its own (`ops`).
 */
export async function openOpsEventStore(config: ClienteleConfig): Promise<EventStore> {
  if (config.eventStore === 'eventstoredb') {
    const { EsdbEventStore } = await import('@clientele/platform/event-store/eventstoredb');
    return new EsdbEventStore({ connectionString: config.eventStoreUrl! });
  }
  if (config.eventStore === 'postgres') return PostgresEventStore.open({ ...postgresStoreOptions(config, 'ops', 'events'), poolSize: 2 });
  // Owner-only, like everything under DATA_DIR (the SQLite adapter makes its files 0600).
  const dir = privateDirectory(join(config.dataDir, 'ops'));
  return new SqliteEventStore({ filename: join(dir, 'events.sqlite') });
}

/** Records who ran which audit, with what, and how many rows it answered. */
export async function recordAuditRun(config: ClienteleConfig, run: Omit<AuditRunRecordedData, 'ranAt'>, now = new Date()): Promise<void> {
  const store = await openOpsEventStore(config);
  const ranAt = now.toISOString();
  try {
    await store.appendToStream(
      auditStream(ranAt),
      [
        {
          id: randomUUID(),
          type: AUDIT_RUN_RECORDED,
          data: { ...run, ranAt } satisfies AuditRunRecordedData,
          metadata: { occurredAt: ranAt, actor: { id: run.operator, role: 'operator' }, correlationId: randomUUID(), schemaVersion: 1 },
        },
      ],
      { expectedRevision: 'any' },
    );
  } finally {
    await store.close();
  }
}
