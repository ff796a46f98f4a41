import { createHash } from 'node:crypto';
import type { EntityDef, PropertyDef } from '../model/entity.js';
import { tableMapping, type TableMapping } from './row-mapping.js';
import type { Row, WriteOptions } from './store.js';

/**
 * The PostgreSQL store's fixed SQL, built once per entity from its property table, as named statements
 * (pg prepares a named statement once per connection), and the parsing of its connection URL.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Extra (non-property) columns per table. */

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
   * returns `tenant_id` and the public select list of each row inserted. Absent for the audit table itself.
   */
  readonly insertBatch?: Statement;
  /** One row by id, locked until the transaction ends: update reads, changes and writes without a race. */
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
  const mapping = tableMapping(entity, { booleanIn: (v) => v });
  const t = entity.table;
  const insertPlaceholders = mapping.insertColumns.map((_, i) => `$${i + 2}`);
  const sets = mapping.updateColumns.map((c, i) => `${c} = $${i + 1}`);
  const n = mapping.updateColumns.length;
  return {
    mapping,
    insert: statement(
      `INSERT INTO ${t} (tenant_id, ${mapping.insertColumns.join(', ')}) ` +
      `VALUES ($1, ${insertPlaceholders.join(', ')}) RETURNING ${mapping.publicSelectList}`),
    insertBatch: audit && statement(insertBatchSql(mapping, audit)),
    lock: statement(`SELECT ${mapping.selectList} FROM ${t} WHERE tenant_id = $1 AND id = $2 FOR UPDATE`),
    update: statement(
      `UPDATE ${t} SET ${sets.join(', ')} WHERE tenant_id = $${n + 1} AND id = $${n + 2} RETURNING ${mapping.selectList}`),
    remove: statement(`DELETE FROM ${t} WHERE tenant_id = $1 AND id = $2`),
  };
}

/**
 * Rows by the value of one column, for many (tenant, value) pairs at once: $1 the tenants, $2 the values.
 * Each row comes with the pair it answers (`lookup_tenant`, `lookup_value`).
 */
export function lookupStatement(entity: EntityDef, column: string, selectList: string): Statement {
  const columns = selectList.split(', ').map((c) => `t.${c}`).join(', ');
  return statement(`SELECT k.tenant_id AS lookup_tenant, k.value AS lookup_value, ${columns} ` +
    `FROM unnest($1::text[], $2::text[]) AS k(tenant_id, value) JOIN ${entity.table} t ON t.tenant_id = k.tenant_id AND t.${column} = k.value`);
}

/** The rows inserted, then the audit event of each (with the id of its row), from the parameters. */
function insertBatchSql(mapping: TableMapping, audit: TableMapping): string {
  const rows = batchSource(rowColumns(mapping), 'r', 1);
  const events = batchSource(eventColumns(audit), 'a', rows.nextParameter);
  return `WITH inserted AS (
  INSERT INTO ${mapping.entity.table} (tenant_id, ${mapping.insertColumns.join(', ')})
  SELECT ${rows.values.join(', ')} FROM ${rows.from}
  ON CONFLICT DO NOTHING
  RETURNING tenant_id, ${mapping.publicSelectList}
), audited AS (
  INSERT INTO ${audit.entity.table} (tenant_id, ${audit.insertColumns.join(', ')})
  SELECT ${events.values.slice(0, -1).join(', ')} FROM ${events.from}
  JOIN inserted i ON i.tenant_id = a.tenant_id AND i.id = a.subject_id
)
SELECT * FROM inserted`;
}

/** The parameters of `insertBatch` for these inserts (their keys must be distinct). */
export function insertBatchValues(mapping: TableMapping, audit: TableMapping, inserts: readonly BatchedInsert[]): unknown[] {
  const audited = inserts.filter((i) => i.options.audit);
  return [
    ...batchParameters(rowColumns(mapping), inserts.map((i) => [i.tenantId, ...mapping.insertValues(i.row, i.options.ownerId)])),
    ...batchParameters(eventColumns(audit), audited.map((i) => [i.tenantId, ...audit.insertValues(i.options.audit!), i.row.id])),
  ];
}

interface BatchColumn {
  readonly name: string;
  readonly type: string;
}

function rowColumns(mapping: TableMapping): BatchColumn[] {
  const types = columnTypes(mapping);
  return [{ name: 'tenant_id', type: 'text' }, ...mapping.insertColumns.map((name, i) => ({ name, type: types[i] }))];
}

function eventColumns(audit: TableMapping): BatchColumn[] {
  return [...rowColumns(audit), { name: 'subject_id', type: 'text' }];
}

/**
 * Rows go to a batch statement column by column: one array parameter per column, which `unnest` turns back
 * into rows. BYTEA columns are the exception: pg would send an array of them as hex text (twice the bytes,
 * encoded and parsed again on both sides), so their values travel as one binary parameter, concatenated, with
 * an array of where each one starts and one of how long it is (-1 for NULL), and substring() cuts them out.
 */
function batchSource(columns: readonly BatchColumn[], alias: string, firstParameter: number): { from: string; values: string[]; nextParameter: number } {
  let n = firstParameter;
  const arrays: string[] = [];
  const names: string[] = [];
  const values: string[] = [];
  for (const c of columns) {
    if (c.type === 'bytea') {
      arrays.push(`$${n++}::int[]`, `$${n++}::int[]`);
      names.push(`${c.name}_at`, `${c.name}_length`);
      values.push(`CASE WHEN ${alias}.${c.name}_length < 0 THEN NULL ` +
        `ELSE substring($${n++}::bytea FROM ${alias}.${c.name}_at FOR ${alias}.${c.name}_length) END`);
    } else {
      arrays.push(`$${n++}::${c.type}[]`);
      names.push(c.name);
      values.push(`${alias}.${c.name}`);
    }
  }
  return { from: `unnest(${arrays.join(', ')}) AS ${alias}(${names.join(', ')})`, values, nextParameter: n };
}

/** The parameters batchSource reads, from rows of column values in the same order. */
function batchParameters(columns: readonly BatchColumn[], rows: readonly (readonly unknown[])[]): unknown[] {
  return columns.flatMap((c, i) => {
    const values = rows.map((r) => r[i]);
    if (c.type !== 'bytea') return [values];
    const at: number[] = [];
    const lengths: number[] = [];
    let next = 1; // substring() counts from 1
    for (const value of values as (Buffer | null)[]) {
      at.push(next);
      lengths.push(value ? value.length : -1);
      next += value ? value.length : 0;
    }
    return [at, lengths, Buffer.concat((values as (Buffer | null)[]).filter((v): v is Buffer => v !== null))];
  });
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
