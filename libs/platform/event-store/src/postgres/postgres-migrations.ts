import type { Pool } from 'pg';

/** One step of a schema's history. Versions only grow; an applied step is never edited (add another). */
export interface Migration {
  version: number;
  name: string;
  /** The statements, given the schema's quoted name and its name as a string literal. */
  sql(schema: { identifier: string; literal: string }): string;
}

/** A schema name we can put in SQL and in a NOTIFY channel without surprises. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`"${schema}" cannot be a PostgreSQL schema name here: use 1 to 40 lowercase letters, digits or _, starting with a letter or _.`);
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Creates the schema and applies the migrations it has not seen yet, all in one transaction under
 * an advisory lock taken on the schema's name: two replicas starting at once take turns, and the
 * second finds everything applied. Stops when the schema is newer than this code (an older version
 * started against a database a newer one already migrated), rather than running on a shape it does
 * not know.
 */
export async function migrateSchema(pool: Pool, schema: string, migrations: readonly Migration[], component: string): Promise<void> {
  assertSchemaName(schema);
  const identifier = quoteIdentifier(schema);
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`clientele.migrations:${schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${identifier}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${identifier}.schema_migrations (
           version    integer     PRIMARY KEY,
           name       text        NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const applied = await client.query<{ version: number }>(`SELECT version FROM ${identifier}.schema_migrations`);
      const done = new Set(applied.rows.map((row) => row.version));
      const newest = Math.max(0, ...migrations.map((m) => m.version));
      const unknown = [...done].filter((version) => version > newest);
      if (unknown.length > 0) {
        throw new Error(
          `The ${component} in schema ${schema} is at version ${Math.max(...unknown)}, newer than this Clientele knows (${newest}); run the newer Clientele, or restore a backup taken before the upgrade.`,
        );
      }
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(migration.version)) continue;
        await client.query(migration.sql({ identifier, literal: quoteLiteral(schema) }));
        await client.query(`INSERT INTO ${identifier}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      }
      await client.query('COMMIT');
    } catch (error) {
      failure = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    // A connection that failed mid-migration is closed, not handed to the next caller.
    client.release(failure);
  }
}
