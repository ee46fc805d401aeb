/**
 * The floor of `command-distributed`, in a process of its own as a service would be: a raw nats.js
 * responder that, for each request, parses it, appends one event with raw better-sqlite3 (the
 * event store's table, WAL + synchronous=FULL, BEGIN IMMEDIATE: one fsync) and answers. So a
 * request to it costs one raw NATS round trip plus one raw append, and nothing else.
 *
 * argv: <subject> <sqlite file>. Sends 'ready' to the parent once subscribed.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { SQLITE_EVENT_STORE_SCHEMA } from '@clientele/platform/event-store';
import { serveRawAppends } from '../lib/raw-responder';

async function main(): Promise<void> {
  const [subject, filename] = process.argv.slice(2);
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(SQLITE_EVENT_STORE_SCHEMA);
  const insert = db.prepare(
    `INSERT INTO events (event_id, stream_name, category, revision, type, data, metadata, recorded_at) VALUES (?, ?, 'client', 0, 'ClientAdded', ?, ?, ?)`,
  );
  const append = db.transaction((data: string) => insert.run(randomUUID(), `client-${randomUUID()}`, data, '{}', new Date().toISOString()));
  await serveRawAppends(subject, (data) => Number(append.immediate(data).lastInsertRowid), () => db.close());
}

main().catch((error) => {
  process.stderr.write(`raw append responder failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
