import pg from 'pg';
import { postgresMigrations } from './migrations/postgres.js';
import type { PgConnections } from './pg-connections.js';

/** Migrations may wait for another instance's; they are small, but creating indexes on a big table is not. */
const MIGRATION_TIMEOUT_MS = 120_000;

/**
 * Brings the schema up to date: creates `schema` when missing and applies the migrations not yet recorded in
 * `schema_migrations`. Safe when several instances start at once.
 */
export async function migrate(connections: PgConnections, schema: string | undefined): Promise<void> {
  const long = { timeoutMs: MIGRATION_TIMEOUT_MS };
  await connections.transaction(async (lease) => {
    const run = (sql: string, values?: unknown[]) => connections.run(lease, sql, values, long);
    await run(`SET LOCAL statement_timeout = ${MIGRATION_TIMEOUT_MS}`);
    // One instance migrates at a time, per schema; the others wait here, then find nothing left to do.
    // A transaction-scoped lock is released by COMMIT/ROLLBACK or by the connection dying: never left behind.
    await run("SELECT pg_advisory_xact_lock(hashtext('pfxstore.migrations'), hashtext($1))", [schema ?? '']);
    if (schema) {
      // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists.
      const found = await run('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (found.rowCount === 0) await run(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
    }
    await run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const applied = new Set((await run('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)));
    for (const migration of postgresMigrations) {
      if (applied.has(migration.version)) continue;
      await run(migration.sql);
      await run('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [migration.version, new Date().toISOString()]);
    }
  });
}

/** The SQL type of each column (`text`, `integer`, `bytea`, …), by table, then by column. */
export type ColumnTypes = ReadonlyMap<string, ReadonlyMap<string, string>>;

/**
 * The column types of `tables` as the migrations made them, read back from the catalog. The batch statements
 * (pg-batch-insert.ts) need them to cast the arrays they `unnest`. Read rather than kept in a second table in
 * code, which a migration that changed a column would leave behind without a word; parsing the migrations'
 * SQL would break on the first ALTER TABLE. `regclass` resolves each name through the session's search_path,
 * exactly as the store's own statements do, so these are the tables they will write to.
 */
export async function readColumnTypes(connections: PgConnections, tables: readonly string[]): Promise<ColumnTypes> {
  const { rows } = await connections.withClient((lease) => connections.run(lease,
    `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, NULL) AS type
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE a.attrelid = ANY ($1::text[]::regclass[]) AND a.attnum > 0 AND NOT a.attisdropped`, [tables]));
  const types = new Map<string, Map<string, string>>(tables.map((t) => [t, new Map()]));
  for (const r of rows) types.get(r.table_name as string)?.set(r.column_name as string, r.type as string);
  return types;
}

/** The type of one column; a column the migrations did not make is a bug, found at open. */
export function columnType(types: ColumnTypes, table: string, column: string): string {
  const type = types.get(table)?.get(column);
  if (type === undefined) throw new Error(`The migrations made no column ${table}.${column}.`);
  return type;
}
