/**
 * The floor of `command-distributed-postgres`, in a process of its own as a service would be: a raw
 * nats.js responder that, for each request, parses it, appends one event to a new stream with raw
 * `pg` through the event store's own `append_events` function (in a schema the adapter migrated:
 * its table, indexes, advisory lock and xid8 + seq position; one commit, one WAL flush) and
 * answers. So a request to it costs one raw NATS round trip plus one raw PostgreSQL append. Its
 * pool has as many connections as each store of the services has (argv), so that requests in
 * flight together commit together there as they can in the services.
 *
 * argv: <subject> <database url> <pool size>. Sends 'ready' to the parent once subscribed.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresEventStore } from '@clientele/platform/event-store';
import { serveRawAppends } from '../lib/raw-responder';

const SCHEMA = 'raw_floor';

async function main(): Promise<void> {
  const [subject, url, poolSize] = process.argv.slice(2);
  // The adapter's migrations make the schema; the floor then only calls its function.
  await (await PostgresEventStore.open({ connectionString: url, schema: SCHEMA, poolSize: 2 })).close();
  const pool = new Pool({ connectionString: url, max: Number(poolSize), options: '-c plan_cache_mode=force_custom_plan' });
  pool.on('error', () => undefined);
  const append = async (data: string): Promise<string> => {
    const {
      rows: [row],
    } = await pool.query<{ outcome: string; transaction_id: string; seq: string }>({
      name: 'bench_raw_append',
      text: `SELECT outcome, stream_revision, transaction_id::text AS transaction_id, seq FROM "${SCHEMA}".append_events($1, $2, $3, $4, $5, $6, $7)`,
      values: [`client-${randomUUID()}`, 'client', 'no_stream', [randomUUID()], ['ClientAdded'], [data], ['{}']],
    });
    if (row.outcome !== 'appended') throw new Error(`raw append: ${row.outcome}`);
    return `${row.transaction_id}:${row.seq}`;
  };
  await serveRawAppends(subject, append, () => pool.end());
}

main().catch((error) => {
  process.stderr.write(`raw pg append responder failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
