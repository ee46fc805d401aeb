/**
 * PostgreSQL for the benchmark scenarios of the PostgreSQL stores: whether a server answers, and a
 * database of their own for each run, always dropped afterwards.
 *
 * POSTGRES_URL (an admin connection: it creates and drops databases) or the local server
 * (postgres://postgres@127.0.0.1:5432/postgres). Databases are named `clientele_bench_<pid>_<random>`:
 * one that a killed run (a CI timeout, kill -9) could not drop is dropped by the next run on this
 * machine, once no process of that id is alive.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { LOCAL_POSTGRES_URL } from '../../libs/platform/testing/src/postgres-server';

const PREFIX = 'clientele_bench_';

export type PostgresProbe = { adminUrl: string } | { skipped: string };

/** Whether PostgreSQL answers; when not, the line the scenario prints to say it skipped. */
export async function probePostgres(scenario: string): Promise<PostgresProbe> {
  const adminUrl = process.env.POSTGRES_URL?.trim() || LOCAL_POSTGRES_URL;
  try {
    await withAdmin(adminUrl, (admin) => admin.query('SELECT 1'));
    await dropOrphans(adminUrl);
    return { adminUrl };
  } catch (error) {
    const where = process.env.POSTGRES_URL ? 'POSTGRES_URL' : LOCAL_POSTGRES_URL;
    return { skipped: `  ${scenario} skipped: PostgreSQL does not answer at ${where} (${(error as Error)?.message ?? String(error)})` };
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
}

/**
 * Runs `work` with a database created for it, dropped afterwards whatever happened (FORCE: a
 * server process or a pool the work left open must not keep it alive).
 */
export async function withBenchDatabase<T>(adminUrl: string, work: (database: BenchDatabase) => Promise<T>): Promise<T> {
  const name = `${PREFIX}${process.pid}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await work({ name, url: url.toString() });
  } finally {
    await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

/** Databases of bench runs whose process is gone (killed before its finally could drop them). */
async function dropOrphans(adminUrl: string): Promise<void> {
  await withAdmin(adminUrl, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '${PREFIX}%'`);
    for (const { datname } of rows) {
      const pid = Number(/^clientele_bench_(\d+)_[0-9a-f]+$/.exec(datname)?.[1]);
      if (!pid || pid === process.pid || isAlive(pid)) continue;
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function withAdmin<T>(adminUrl: string, work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  // An admin connection the server ends (a shutdown while we hold it) must not end the suite.
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end().catch(() => undefined);
  }
}
