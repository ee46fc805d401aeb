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
}

/** A database of its own for one run (`clientele_test_<random>`), so concurrent runs never meet. */
export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `clientele_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // FORCE: connections a failed test left open must not keep the database alive.
    drop: () => withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
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
