/**
 * The peer of `append` and `aggregate`: @event-driven-io/emmett-sqlite (a devDependency, pinned),
 * on its driver `sqlite3` (built from source by `npm ci`: its install script falls back to
 * node-gyp when the prebuilt binary cannot be downloaded). When it cannot be loaded, the suite
 * prints one line and runs without the peer: no number is ever made up for it.
 *
 * What emmett-sqlite 0.38.5 does (read in node_modules/@event-driven-io/emmett-sqlite/dist):
 * - a file-backed store opens a new sqlite3 connection for every call and closes it after
 *   (`withConnection` ... `closeConnection`); each connection runs `PRAGMA journal_mode = WAL`;
 * - it sets no `synchronous`, so SQLite's compiled default applies: node-sqlite3 is built without
 *   SQLITE_DEFAULT_SYNCHRONOUS / SQLITE_DEFAULT_WAL_SYNCHRONOUS, i.e. FULL (2) in WAL mode, the
 *   same durability as SqliteEventStore (checked at run time by `peerDurability`);
 * - an append is BEGIN IMMEDIATE; INSERT or UPDATE ... RETURNING of the stream row; one
 *   multi-row INSERT ... RETURNING of the messages; COMMIT;
 * - aggregateStream reads the stream (SELECT ... ORDER BY stream_position), parses data and
 *   metadata, and folds with the caller's evolve.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as EmmettSqlite from '@event-driven-io/emmett-sqlite';

export type Emmett = typeof EmmettSqlite;
export type PeerStore = ReturnType<Emmett['getSQLiteEventStore']>;

export const PEER_NAME = '@event-driven-io/emmett-sqlite';

let loaded: { emmett: Emmett; version: string } | { skipped: string } | undefined;

export async function loadPeer(): Promise<{ emmett: Emmett; version: string } | { skipped: string }> {
  if (loaded) return loaded;
  try {
    const emmett = (await import('@event-driven-io/emmett-sqlite')) as Emmett;
    const manifest = join(dirname(require.resolve('@event-driven-io/emmett-sqlite')), '..', 'package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    loaded = { emmett, version };
  } catch (error) {
    loaded = { skipped: `${PEER_NAME} could not be loaded (${String((error as Error)?.message ?? error).split('\n')[0]}): peer skipped` };
  }
  return loaded;
}

/** journal_mode and synchronous as a fresh sqlite3 connection (what emmett opens per call) has them. */
export async function peerDurability(filename: string): Promise<string> {
  const sqlite3 = (await import('sqlite3')).default;
  const db = new sqlite3.Database(filename);
  const get = (sql: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => db.get(sql, (error: Error | null, row: Record<string, unknown>) => (error ? reject(error) : resolve(row))));
  try {
    const journal = Object.values(await get('PRAGMA journal_mode'))[0];
    const synchronous = Number(Object.values(await get('PRAGMA synchronous'))[0]);
    const names = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];
    return `journal_mode=${String(journal).toUpperCase()}, synchronous=${names[synchronous] ?? synchronous}`;
  } finally {
    await new Promise((resolve) => db.close(resolve));
  }
}

/**
 * emmett-sqlite 0.38.5 sometimes fails a commit with `SQLITE_BUSY: cannot commit transaction - SQL
 * statements in progress` with one writer and nothing else on the file: it reads the stream row
 * with `db.get` on an `UPDATE ... RETURNING` (node-sqlite3 finalizes that statement
 * asynchronously) and then COMMITs, and the COMMIT can run before the finalize. The transaction is
 * rolled back, so the append did not happen: a caller has to retry, and so does the benchmark. The
 * retries are part of the peer's measured time, counted, and printed; emmett's own console.log of
 * each such error is counted instead of printed.
 */
export const peerRetries = { busy: 0, logged: 0 };

export async function withPeerRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 5) throw error;
      peerRetries.busy++;
    }
  }
}

/** Runs `work` with emmett's console.log of SQLite errors counted rather than printed. */
export async function quietPeer<T>(work: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = (...args: unknown[]) => {
    if (args.length === 1 && (args[0] as { code?: string })?.code?.startsWith('SQLITE_')) peerRetries.logged++;
    else log(...args);
  };
  try {
    return await work();
  } finally {
    console.log = log;
  }
}
