import { createHash } from 'node:crypto';
import type { EntityDef } from '../model/entity.js';
import { tableMapping, type TableMapping } from './row-mapping.js';

/**
 * The PostgreSQL store's fixed SQL, built once per entity from its property table, as named statements
 * (pg prepares a named statement once per connection). The batched insert is pg-batch-insert.ts's; list and
 * count SQL comes from list-sql.ts.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

export interface EntityStatements {
  readonly mapping: TableMapping;
  readonly insert: Statement;
  /** One row by id, locked until the transaction ends: update reads, changes and writes without a race. */
  readonly lock: Statement;
  readonly update: Statement;
  readonly remove: Statement;
}

export function prepareEntity(entity: EntityDef): EntityStatements {
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

export function statement(text: string): Statement {
  return { name: statementName(text), text };
}

/** PostgreSQL caches a named statement per connection: one name must always mean one text. */
export function statementName(text: string): string {
  return `pfx_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
}
