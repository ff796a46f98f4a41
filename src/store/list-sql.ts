import type { EntityDef } from '../model/entity.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { ListQuery } from '../odata/list-query.js';
import type { TableMapping } from './row-mapping.js';
import type { SqlDialect } from './sql-dialect.js';
import { compileFilter, compileOrderAndKeyset, rowKeyValues } from './sql-filter.js';
import type { Page, ReadOptions, Row } from './store.js';

export interface SqlText {
  readonly sql: string;
  readonly params: unknown[];
}

/**
 * The list query both stores run: tenant scope, the compiled `$filter`, the keyset position, a stable order,
 * and `top + 1` rows so the store knows whether a next page exists without counting.
 * Values only ever travel as bind parameters.
 */
export function buildListSql(
  entity: EntityDef, mapping: TableMapping, dialect: SqlDialect, tenantId: string, query: ListQuery, options: ReadOptions = {},
): SqlText {
  const params: unknown[] = [tenantId];
  const where = [`tenant_id = ${dialect.placeholder(1)}`];
  if (query.filter) where.push(`(${compileFilter(query.filter, dialect, params)})`);
  // Only unfiltered, in the default order: a filtered query's own index finds its few rows faster (sql-dialect.ts).
  const inSequence = !query.filter && query.orderBy.length === 0 ? dialect.sequenceOrderTerm(entity.sequenceColumn) : undefined;
  if (inSequence) where.push(inSequence);
  const { keysetWhere, orderBy } = compileOrderAndKeyset(query, entity, dialect, params);
  if (keysetWhere) where.push(`(${keysetWhere})`);
  params.push(query.top + 1);
  const columns = query.select ? selectedColumns(entity, query, options) : options.withSecrets ? mapping.selectList : mapping.publicSelectList;
  let sql = `SELECT ${columns} FROM ${entity.table} WHERE ${where.join(' AND ')} ORDER BY ${orderBy} ` +
    `LIMIT ${dialect.placeholder(params.length)}`;
  // $skip counts from the start of the result; once a skiptoken carries the position it no longer applies.
  if (query.skip > 0 && !query.after) {
    params.push(query.skip);
    sql += ` OFFSET ${dialect.placeholder(params.length)}`;
  }
  return { sql, params };
}

/**
 * The columns a `$select` needs: the sequence and `id` (keyset and every answer), the selected and the ordering
 * properties (the next `$skiptoken` holds their values), and the secrets when read at all (the service decrypts
 * them together). `pfxstore keys` pages through every record for four short columns: SQL that reads only those
 * loads, maps and sorts a fraction of each row (bench/keys.ts).
 */
function selectedColumns(entity: EntityDef, query: ListQuery, options: ReadOptions): string {
  const wanted = new Set([...query.select!, ...query.orderBy.map((k) => k.property)]);
  const columns = entity.properties
    .filter((p) => p.name === 'id' || (p.secret ? options.withSecrets === true : wanted.has(p)))
    .map((p) => p.column);
  return [entity.sequenceColumn, ...columns].join(', ');
}

export function buildCountSql(entity: EntityDef, dialect: SqlDialect, tenantId: string, filter?: BoundExpr): SqlText {
  const params: unknown[] = [tenantId];
  let sql = `SELECT COUNT(*) FROM ${entity.table} WHERE tenant_id = ${dialect.placeholder(1)}`;
  if (filter) sql += ` AND (${compileFilter(filter, dialect, params)})`;
  return { sql, params };
}

/** Cuts the `top + 1` fetched rows to a page and remembers where the next one starts. */
export function pageFromRows<R extends Row>(query: ListQuery, rows: R[], count?: number): Page<R> {
  if (rows.length <= query.top) return { rows, count };
  const pageRows = rows.slice(0, query.top);
  return { rows: pageRows, nextAfter: rowKeyValues(query, pageRows[pageRows.length - 1]), count };
}
