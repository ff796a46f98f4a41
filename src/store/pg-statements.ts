import { createHash } from 'node:crypto';
import { certificateEntity } from '../model/certificate.js';
import type { EntityDef, PropertyDef } from '../model/entity.js';
import { tableMapping, type TableMapping } from './row-mapping.js';
import type { Row, WriteOptions } from './store.js';

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
  /**
   * Several inserts with their audit events in one statement (parameters from insertBatchValues): rows whose
   * key is taken are skipped (ON CONFLICT DO NOTHING), and only the rows inserted get their audit event. It
   * returns `tenant_id` and the select list of each row inserted. Absent for the audit table itself.
   */
  readonly insertBatch?: Statement;
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

/** One insert waiting for a batch: what `Store.insert` was called with. */
export interface BatchedInsert {
  readonly tenantId: string;
  readonly row: Row;
  readonly options: WriteOptions;
}

/** `audit` is the audit table's mapping: the batch insert writes audit events too. */
export function prepareEntity(entity: EntityDef, audit?: TableMapping): EntityStatements {
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
    insertBatch: audit && statement(insertBatchSql(mapping, audit)),
    get: statement(get),
    getPublic: statement(`SELECT ${mapping.publicSelectList} FROM ${t} WHERE tenant_id = $1 AND id = $2`),
    lock: statement(`${get} FOR UPDATE`),
    update: statement(
      `UPDATE ${t} SET ${sets.join(', ')} WHERE tenant_id = $${n + 1} AND id = $${n + 2} RETURNING ${mapping.selectList}`),
    remove: statement(`DELETE FROM ${t} WHERE tenant_id = $1 AND id = $2`),
  };
}

/**
 * Every parameter is one array per column (`unnest` turns them back into rows): $1 the tenants, then the
 * insert columns; then the audit events' tenants, their columns, and the id of the row each one is about.
 */
function insertBatchSql(mapping: TableMapping, audit: TableMapping): string {
  const columns = mapping.insertColumns;
  const rowArrays = ['$1::text[]', ...columnTypes(mapping).map((type, i) => `$${i + 2}::${type}[]`)];
  const first = columns.length + 2;
  const auditArrays = [`$${first}::text[]`, ...columnTypes(audit).map((type, i) => `$${first + 1 + i}::${type}[]`),
    `$${first + 1 + audit.insertColumns.length}::text[]`];
  return `WITH inserted AS (
  INSERT INTO ${mapping.entity.table} (tenant_id, ${columns.join(', ')})
  SELECT * FROM unnest(${rowArrays.join(', ')})
  ON CONFLICT DO NOTHING
  RETURNING tenant_id, ${mapping.selectList}
), audited AS (
  INSERT INTO ${audit.entity.table} (tenant_id, ${audit.insertColumns.join(', ')})
  SELECT a.tenant_id, ${audit.insertColumns.map((c) => `a.${c}`).join(', ')}
  FROM unnest(${auditArrays.join(', ')}) AS a(tenant_id, ${audit.insertColumns.join(', ')}, subject_id)
  JOIN inserted i ON i.tenant_id = a.tenant_id AND i.id = a.subject_id
)
SELECT * FROM inserted`;
}

/** The parameters of `insertBatch` for these inserts (their keys must be distinct). */
export function insertBatchValues(mapping: TableMapping, audit: TableMapping, inserts: readonly BatchedInsert[]): unknown[] {
  const rows = inserts.map((i) => mapping.insertValues(i.row, i.options.extraColumns));
  const audited = inserts.filter((i) => i.options.audit);
  const events = audited.map((i) => audit.insertValues(i.options.audit!));
  return [
    inserts.map((i) => i.tenantId),
    ...mapping.insertColumns.map((_, c) => rows.map((r) => r[c])),
    audited.map((i) => i.tenantId),
    ...audit.insertColumns.map((_, c) => events.map((e) => e[c])),
    audited.map((i) => i.row.id),
  ];
}

/**
 * The PostgreSQL type of each insert column, in order, as the migrations declare them: secrets and binary as
 * BYTEA, enums and integers as INTEGER, booleans as BOOLEAN, everything else (dates included) as TEXT; the
 * lower-cased filter columns and the extra columns follow, all TEXT.
 */
function columnTypes(mapping: TableMapping): string[] {
  const typeOf = (p: PropertyDef) => p.secret || p.kind === 'binary' ? 'bytea'
    : p.kind === 'enum' || p.kind === 'int32' ? 'integer'
    : p.kind === 'boolean' ? 'boolean'
    : 'text';
  const properties = mapping.entity.properties.map(typeOf);
  return [...properties, ...mapping.insertColumns.slice(properties.length).map(() => 'text')];
}

export function statement(text: string): Statement {
  return { name: statementName(text), text };
}

/** PostgreSQL caches a named statement per connection: one name must always mean one text. */
export function statementName(text: string): string {
  return `pfx_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
}
