import { loadConfig } from '@clientele/platform/config';
import { TestDatabase, createTestDatabase, planPostgres, skipSuite } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { openDocumentStore, openEventStore, openKeyStore } from './adapters';

/**
 * The PostgreSQL profile's wiring: every service's events, read models and keys in schemas of their
 * own (`<service>`, `<service>_rm`, `<service>_keys`) of the one POSTGRES_URL database.
 */
const plan = planPostgres('PostgreSQL wiring suite');

if (plan.kind === 'skip') {
  describe('PostgreSQL wiring', () => skipSuite(plan));
} else {
  let database: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), 'clientele-pg-wiring-'));

  beforeAll(async () => {
    database = await createTestDatabase(plan.adminUrl);
  }, 60_000);

  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  }, 60_000);

  it('gives each service its own schemas for events, read models and keys, and names its connections', async () => {
    const config = loadConfig(
      { CLIENTELE_EVENT_STORE: 'postgres', CLIENTELE_DOCUMENT_STORE: 'postgres', POSTGRES_URL: database.url, CLIENTELE_POSTGRES_POOL_SIZE: '3', DATA_DIR: dataDir },
      dataDir,
    );
    const opened = await Promise.all(
      (['clients', 'billing'] as const).flatMap((service) => [openEventStore(config, service), openDocumentStore(config, service), openKeyStore(config, service)]),
    );
    const [clientEvents, clientDocuments, clientKeys] = opened as [Awaited<ReturnType<typeof openEventStore>>, Awaited<ReturnType<typeof openDocumentStore>>, Awaited<ReturnType<typeof openDocumentStore>>];
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    try {
      const schemas = await admin.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname ~ '^(clients|billing)' ORDER BY nspname`);
      expect(schemas.rows.map((r) => r.nspname)).toEqual(['billing', 'billing_keys', 'billing_rm', 'clients', 'clients_keys', 'clients_rm']);

      await clientEvents.appendToStream(`client-${randomUUID()}`, [{ id: randomUUID(), type: 'ClientAdded', data: {} }], { expectedRevision: 'no_stream' });
      await clientDocuments.commit([{ op: 'upsert', collection: 'clients', doc: { id: 'c-1', name: 'Ada' } }]);
      await clientKeys.commit([{ op: 'upsert', collection: 'subject_keys', doc: { id: 'c-1', key: 'k' } }]);
      const tables = await admin.query<{ schemaname: string; tablename: string }>(
        `SELECT schemaname, tablename FROM pg_tables WHERE schemaname LIKE 'clients%' ORDER BY schemaname, tablename`,
      );
      const where = (table: RegExp) => tables.rows.filter((r) => table.test(r.tablename)).map((r) => r.schemaname);
      expect(where(/^events$/)).toEqual(['clients']);
      // Whatever the document store names a collection's table, it ends with the collection's name.
      expect(where(/(^|_)subject_keys$/)).toEqual(['clients_keys']);
      expect(where(/(^|_)clients$/)).toEqual(['clients_rm']);

      const names = await admin.query<{ application_name: string }>(
        `SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'clientele-clients-%' ORDER BY 1`,
      );
      expect(names.rows.map((r) => r.application_name)).toEqual(expect.arrayContaining(['clientele-clients-events']));
    } finally {
      await admin.end();
      await Promise.all(opened.map((store) => store.close()));
    }
  }, 60_000);
}
