/**
 * The two halves of the `postgres-rebuild` scenario (forked by bench/scenarios/postgres-rebuild.ts,
 * which creates the database and drops it afterwards, whatever happens to this process):
 *
 *   postgres-rebuild-child.ts seed <database url> <events>      writes the history, sends { seconds }
 *   postgres-rebuild-child.ts measure <database url> <events>   reads and rebuilds, sends the figures
 *   postgres-rebuild-child.ts both <database url> <events>      both in one process (the smoke run)
 *
 * The same history as bench/servers/rebuild-child.ts, in the schemas a clients service uses on
 * PostgreSQL: events in `clients` (PostgresEventStore), read models in `clients_rm` and keys in
 * `clients_keys` (PostgresDocumentStore). Each client's stream is one ClientAdded (personal data
 * sealed with the client's key, as the service stores it) and nine ClientTypeChanged; the live
 * clients collection has the service's indexes and text index, so the swap at the end builds them
 * again on the rebuilt table, as in production.
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { clientsProjections } from '@clientele/clients/service';
import { PostgresDocumentStore } from '@clientele/platform/document-store';
import { PostgresEventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { rebuildProjection } from '../../apps/ops/src/rebuild/rebuild';
import { CLIENT_INDEXES, CLIENT_SEARCH_FIELDS } from '../../libs/clients/service/src/read-models/clients.projection';
import { EVENTS_PER_CLIENT, seedClientHistories } from '../lib/fixtures';
import { median } from '../lib/measure';
import { PAGE_SIZE, portReadRate, runRebuildChild } from '../lib/rebuild-child-main';

const SCHEMAS = { events: 'clients', readModels: 'clients_rm', keys: 'clients_keys' };
/** The event store pool's session setting, given to the floor's connection too. */
const SESSION_OPTIONS = '-c plan_cache_mode=force_custom_plan';

export interface PostgresRebuildFigures {
  events: number;
  /**
   * Raw `pg`: the statement the adapter's readAll runs for the replay (pages of 2,000 by
   * (transaction id, seq) below the snapshot's xmin, category 'client'), json parsed by `pg` as
   * for the adapter. Median of 3: two before the rebuild, one after.
   */
  rawReadRate: number;
  /** The event store port: readAll in pages of 2,000 with the replay's filter; median of 2, interleaved with the raw reads. */
  portReadRate: number;
  rebuildRate: number;
  /** The process's RSS high-water mark, for context. */
  hwmRssMb: number;
}

const open = (url: string) =>
  Promise.all([
    PostgresEventStore.open({ connectionString: url, schema: SCHEMAS.events }),
    PostgresDocumentStore.open({ connectionString: url, schema: SCHEMAS.readModels }),
    PostgresDocumentStore.open({ connectionString: url, schema: SCHEMAS.keys }),
  ]);

async function seed(url: string, events: number): Promise<void> {
  const [store, documents, keys] = await open(url);
  const cipher = new PersonalDataCipher(new KeyStore(keys));
  await documents.collection('clients').ensureIndexes(CLIENT_INDEXES);
  await documents.collection('clients').ensureTextIndex(CLIENT_SEARCH_FIELDS);
  await seedClientHistories(store, cipher, events);
  await Promise.all([store.close(), documents.close(), keys.close()]);
  // A log at rest, as autovacuum leaves it: statistics for the planner, and the rows' hint bits
  // set, so that the first reader (raw or port) does not pay for writing them.
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`VACUUM (ANALYZE) "${SCHEMAS.events}".events`);
  } finally {
    await admin.end();
  }
}

const seconds = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

async function measure(url: string, events: number): Promise<PostgresRebuildFigures> {
  const [store, documents, keys] = await open(url);
  const raw = new Client({ connectionString: url, options: SESSION_OPTIONS });
  await raw.connect();
  try {
    // The adapter's readAll statement (readVisible in postgres-event-store.ts) with the replay's filter.
    const page = {
      name: 'bench_raw_read_all',
      text: `SELECT transaction_id::text AS transaction_id, seq, event_id, stream_name, revision, type, data, metadata, recorded_at
               FROM "${SCHEMAS.events}".events
              WHERE (transaction_id, seq) > ($1::xid8, $2::bigint)
                AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) AND category = ANY ($4::text[])
              ORDER BY events.transaction_id, events.seq
              LIMIT $3`,
    };
    const rawRead = async () => {
      const t = process.hrtime.bigint();
      let rows = 0;
      for (let after = ['0', '0']; ; ) {
        const batch = await raw.query<{ transaction_id: string; seq: string }>({ ...page, values: [after[0], after[1], PAGE_SIZE, ['client']] });
        if (batch.rows.length === 0) break;
        rows += batch.rows.length;
        const last = batch.rows[batch.rows.length - 1];
        after = [last.transaction_id, last.seq];
      }
      if (rows !== events) throw new Error(`read ${rows} rows, ${events} expected`);
      return rows / seconds(t);
    };
    const portRead = () => portReadRate(store, events);
    // Interleaved, since the machine is shared: raw, port, raw, port; the rebuild; raw once more.
    const rawRates = [await rawRead()];
    const portRates = [await portRead()];
    rawRates.push(await rawRead());
    portRates.push(await portRead());

    global.gc?.();
    const t = process.hrtime.bigint();
    const result = await rebuildProjection(store, documents, keys, clientsProjections);
    const rebuildRate = result.events / seconds(t);
    if (result.events !== events) throw new Error(`the rebuild replayed ${result.events} events, ${events} expected`);
    const docs = await documents.collection('clients').count();
    if (docs !== events / EVENTS_PER_CLIENT) throw new Error(`expected ${events / EVENTS_PER_CLIENT} clients after the rebuild, found ${docs}`);
    rawRates.push(await rawRead());
    const hwmRssMb = Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
    return { events, rawReadRate: median(rawRates), portReadRate: median(portRates), rebuildRate, hwmRssMb };
  } finally {
    await raw.end();
    await Promise.all([store.close(), documents.close(), keys.close()]);
  }
}

runRebuildChild({ seed, measure });
