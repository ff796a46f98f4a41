import { createHash } from 'node:crypto';
import { certificateEntity } from '../model/certificate.js';
import type { EntityDef } from '../model/entity.js';
import { tableMapping, type TableMapping } from './row-mapping.js';

/**
 * The PostgreSQL store's fixed SQL, built once per entity from its property table, as named statements
 * (pg prepares a named statement once per connection), and the parsing of its connection URL.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Extra (non-property) columns per table. */
const EXTRA_COLUMNS: Record<string, readonly string[]> = { [certificateEntity.table]: ['user_id'] };

export interface Statement {
  readonly name: string;
  readonly text: string;
}

export interface EntityStatements {
  readonly mapping: TableMapping;
  readonly insert: Statement;
  readonly get: Statement;
  /** The get without the secret columns (ReadOptions.withSecrets off). */
  readonly getPublic: Statement;
  /** The get, locking the row until the transaction ends: update reads, changes and writes without a race. */
  readonly lock: Statement;
  readonly update: Statement;
  readonly remove: Statement;
}

/** Splits pfxstore's `schema` and pg's `options` out of the URL; pg would let the URL's `options` override ours. */
export function parseUrl(url: string, schemaOption: string | undefined): { connectionString: string; schema?: string; urlOptions?: string } {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined; // a libpq key=value string: handed to pg as it is
  }
  const schema = schemaOption ?? parsed?.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`PostgreSQL schema '${schema}' is not a plain lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters).`);
  }
  if (!parsed) return { connectionString: url, schema };
  const urlOptions = parsed.searchParams.get('options') ?? undefined;
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('options');
  return { connectionString: parsed.toString(), schema, urlOptions };
}

export function prepareEntity(entity: EntityDef): EntityStatements {
  const mapping = tableMapping(entity, EXTRA_COLUMNS[entity.table] ?? [], { booleanIn: (v) => v });
  const t = entity.table;
  const insertPlaceholders = mapping.insertColumns.map((_, i) => `$${i + 2}`);
  const sets = mapping.updateColumns.map((c, i) => `${c} = $${i + 1}`);
  const n = mapping.updateColumns.length;
  const get = `SELECT ${mapping.selectList} FROM ${t} WHERE tenant_id = $1 AND id = $2`;
  return {
    mapping,
    insert: statement(
      `INSERT INTO ${t} (tenant_id, ${mapping.insertColumns.join(', ')}) ` +
      `VALUES ($1, ${insertPlaceholders.join(', ')}) RETURNING ${mapping.selectList}`),
    get: statement(get),
    getPublic: statement(`SELECT ${mapping.publicSelectList} FROM ${t} WHERE tenant_id = $1 AND id = $2`),
    lock: statement(`${get} FOR UPDATE`),
    update: statement(
      `UPDATE ${t} SET ${sets.join(', ')} WHERE tenant_id = $${n + 1} AND id = $${n + 2} RETURNING ${mapping.selectList}`),
    remove: statement(`DELETE FROM ${t} WHERE tenant_id = $1 AND id = $2`),
  };
}

export function statement(text: string): Statement {
  return { name: statementName(text), text };
}

/** PostgreSQL caches a named statement per connection: one name must always mean one text. */
export function statementName(text: string): string {
  return `pfx_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
}
