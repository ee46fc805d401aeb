import { loadConfig } from '@clientele/platform/config';
import { PostgresDocumentStore, type Document } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';
import { Client } from 'pg';
import { runOps } from '../../apps/ops/src/main';
import { OpsContext } from '../../apps/ops/src/ops-context';
import { EventLog, type OpsVerifyRun } from '../support/faults-stores';
import { root } from './compose-environment';

/**
 * What the rehearsal reads after the fact, straight from the PostgreSQL database of the run: a
 * service's events (its schema's `events` table, by SQL, not through the adapter under test), a
 * read-model collection, and `ops verify` with the services' own settings.
 */
export const REHEARSAL_APPLICATION = 'clientele-rehearsal';

export async function withDatabase<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url, application_name: REHEARSAL_APPLICATION, connectionTimeoutMillis: 10_000 });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/** Every event of a service's schema, in the store's global order. */
export async function serviceEvents(url: string, schema: string): Promise<EventLog> {
  const { rows } = await withDatabase(url, (db) =>
    db.query<{ id: string; stream_name: string; revision: string; type: string; data: RecordedEvent['data']; metadata: RecordedEvent['metadata']; recorded_at: Date }>(
      `SELECT event_id AS id, stream_name, revision, type, data, metadata, recorded_at FROM "${schema}".events ORDER BY transaction_id, seq`,
    ),
  );
  return new EventLog(
    rows.map(
      (row) =>
        ({
          id: row.id,
          streamName: row.stream_name,
          revision: Number(row.revision),
          type: row.type,
          data: row.data,
          metadata: row.metadata,
          recordedAt: row.recorded_at.toISOString(),
        }) as unknown as RecordedEvent,
    ),
  );
}

/** One collection of a service's read models (e.g. notifications' `dev_mailbox`), through the adapter. */
export async function serviceDocuments<T extends Document = Document>(url: string, service: string, collection: string): Promise<T[]> {
  const store = await PostgresDocumentStore.open({ connectionString: url, schema: `${service}_rm`, poolSize: 2, applicationName: REHEARSAL_APPLICATION });
  try {
    return await store.collection<T>(collection).find();
  } finally {
    await store.close();
  }
}

/**
 * `ops verify --json` over every projection set, with the environment the services run with (the
 * compose file's PostgreSQL settings), in this process through the tool's own entry point.
 */
export async function opsVerifyAll(settings: Record<string, string>, dataDir: string): Promise<OpsVerifyRun> {
  const started = Date.now();
  const output = { stdout: '', stderr: '', interactive: false, out: (t: string) => void (output.stdout += t), err: (t: string) => void (output.stderr += t) };
  const env = { ...settings, CLIENTELE_POSTGRES_POOL_SIZE: '2', DATA_DIR: dataDir };
  const exitCode = await runOps(['verify', '--json'], (operator) => new OpsContext(loadConfig(env, root), output, operator ?? 'rehearsal'));
  let results: OpsVerifyRun['results'] = [];
  try {
    results = JSON.parse(output.stdout);
  } catch {
    // not JSON: the tool failed before printing; the exit code and stderr say why
  }
  return { projection: 'all', exitCode, ms: Date.now() - started, stdout: output.stdout, stderr: output.stderr, results };
}
