import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/** Where the PostgreSQL suites create their databases when POSTGRES_URL is unset: the local server (trust auth). */
export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export type PostgresPlan = { kind: 'run'; adminUrl: string } | { kind: 'skip'; reason: string };

/**
 * Whether the PostgreSQL suites can run: POSTGRES_URL (or the local server) answers a query. Jest
 * registers tests synchronously, so the probe runs in a child process. When nothing answers the
 * suite prints one line saying so and runs nothing; it never fakes a server.
 */
export function planPostgres(suite = 'PostgreSQL adapter suite'): PostgresPlan {
  const adminUrl = process.env.POSTGRES_URL?.trim() || LOCAL_POSTGRES_URL;
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const { Client } = require(${JSON.stringify(require.resolve('pg'))});
       const client = new Client({ connectionString: process.env.PROBE_URL, connectionTimeoutMillis: 5000 });
       client.connect().then(() => client.query('SELECT 1')).then(() => client.end())
         .then(() => process.exit(0), (error) => { process.stderr.write(String(error && error.message)); process.exit(1); });`,
    ],
    { env: { ...process.env, PROBE_URL: adminUrl }, timeout: 20_000, stdio: 'pipe' },
  );
  if (probe.status === 0) return { kind: 'run', adminUrl };
  const why = probe.stderr?.toString().trim().split('\n')[0] || (probe.error ? probe.error.message : 'no answer');
  const where = process.env.POSTGRES_URL ? 'POSTGRES_URL' : LOCAL_POSTGRES_URL;
  // CI (.ci/run) starts or finds a server first and sets this: there a skipped suite would hide a
  // broken profile, so the suite fails to load instead, saying why.
  if (process.env.CLIENTELE_REQUIRE_POSTGRES === '1') {
    throw new Error(`${suite} must run here (CLIENTELE_REQUIRE_POSTGRES=1), but nothing answers at ${where} (${why}).`);
  }
  return { kind: 'skip', reason: `${suite} skipped: nothing answers at ${where} (${why}).` };
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
  /**
   * Runs `work` while no other suite of any process uses the server: for a test that holds a
   * transaction with an id open on purpose. Transaction ids are the cluster's, so such a
   * transaction hides every event other suites append meanwhile from their readers (the
   * PostgreSQL event store's gap-free order), and their 5 s waits ran out (red CI runs).
   */
  exclusively<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * The key of the advisory lock every suite holds shared while it uses the server, and
 * `exclusively` takes exclusive.
 */
export const SERVER_IN_USE_LOCK = 7_200_231_023;
/** How long `exclusively` waits for the other suites before it runs anyway (as it did before the lock). */
const EXCLUSIVE_WAIT_MS = 300_000;

/**
 * This file's hold on the server: one connection per lock, holding it shared, for all the
 * databases the suite made and has not dropped. One per suite, not one per database: a second
 * shared request from another connection would queue behind an exclusive one waiting for this very
 * suite.
 */
const holds = new Map<number, { client: Client; databases: number; connecting: Promise<void> }>();

async function holdServer(adminUrl: string, lock: number): Promise<Client> {
  let hold = holds.get(lock);
  if (!hold) {
    const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000, application_name: 'clientele-test-suite' });
    client.on('error', () => undefined);
    hold = { client, databases: 0, connecting: client.connect().then(() => client.query('SELECT pg_advisory_lock_shared($1)', [lock])).then(() => undefined) };
    holds.set(lock, hold);
  }
  hold.databases++;
  await hold.connecting;
  return hold.client;
}

async function releaseServer(lock: number): Promise<void> {
  const hold = holds.get(lock);
  if (!hold || --hold.databases > 0) return;
  holds.delete(lock);
  await hold.client.end().catch(() => undefined);
}

/** A database of its own for one run (`clientele_test_<random>`), so concurrent runs never meet. */
export async function createTestDatabase(adminUrl: string, options: { serverLock?: number } = {}): Promise<TestDatabase> {
  // Another lock than the suites' only for the spec of this lock, which must not wait for them.
  const lock = options.serverLock ?? SERVER_IN_USE_LOCK;
  const name = `clientele_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const server = await holdServer(adminUrl, lock);
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    // FORCE: connections a failed test left open must not keep the database alive.
    drop: async () => {
      await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      if (!dropped) {
        dropped = true;
        await releaseServer(lock);
      }
    },
    exclusively: async (work) => {
      // The suite's own shared hold does not stand in its way (a session's locks never conflict
      // with each other): this waits for the other suites to end theirs.
      let exclusive = false;
      try {
        await server.query(`SET lock_timeout = ${EXCLUSIVE_WAIT_MS}`);
        await server.query('SELECT pg_advisory_lock($1)', [lock]);
        exclusive = true;
      } catch {
        // Waited long enough: run as before the lock, sharing the server.
      }
      try {
        return await work();
      } finally {
        if (exclusive) await server.query('SELECT pg_advisory_unlock($1)', [lock]).catch(() => undefined);
      }
    },
  };
}

async function withAdmin<T>(adminUrl: string, work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * For a suite that runs: a database of its own, created before its tests and dropped after them
 * (registered with jest's beforeAll/afterAll). Read it through the getter once the tests run.
 */
export function useTestDatabase(plan: Extract<PostgresPlan, { kind: 'run' }>): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(plan.adminUrl);
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  }, 60_000);
  return () => {
    if (!database) throw new Error('the test database is created in beforeAll: read it from a test or a hook');
    return database;
  };
}
