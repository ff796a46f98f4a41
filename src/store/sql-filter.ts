import type { EntityDef } from '../model/entity.js';
import { logicalOperands, type BoundExpr, type BoundValue, type CompareOp } from '../odata/filter-ast.js';
import type { KeyValue, ListQuery } from '../odata/list-query.js';
import { SEQUENCE_FIELD } from './row-mapping.js';
import type { SqlDialect } from './sql-dialect.js';

/**
 * Bound `$filter`/`$orderby`/`$skiptoken` → parameterised SQL fragments, shared by both stores.
 * Values only ever travel in `params`; the SQL text holds placeholders and column names taken from the property
 * table (checked to be plain identifiers). Parameters are pushed in the order their placeholders appear, as
 * SQLite's positional `?` needs, so a store compiles its fragments in the order it writes them.
 *
 * A list query is assembled by the store as
 *   SELECT <columns incl. keysetColumns()> FROM <table>
 *   WHERE tenant_id = ? [AND <compileFilter>] [AND <keysetWhere>]
 *   ORDER BY <orderBy> LIMIT <top + 1> OFFSET <skip>
 * and, when a (top + 1)-th row came back, `rowKeyValues(query, lastReturnedRow)` is what `encodeSkipToken` encodes.
 *
 * Null semantics (OData's two-valued logic, where a comparison with null is simply false):
 * - `p eq null` → `IS NULL`, `p ne null` → `IS NOT NULL`;
 * - `p ne 'x'` on a nullable property also matches rows where p is null: `(p IS NULL OR p <> ?)`;
 * - `not X` → `(X) IS NOT TRUE`, so a condition that is NULL in SQL (unknown) counts as false before negation,
 *   and `not (p eq 'x')` matches the rows where p is null, as OData says.
 * Ordering puts nulls first in ascending order and last in descending order (OData's rule), explicitly,
 * because SQLite and PostgreSQL default to opposite placements.
 */
const SQL_OPERATORS: Readonly<Record<CompareOp, string>> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };

export function compileFilter(expr: BoundExpr, dialect: SqlDialect, params: unknown[]): string {
  const bind = binder(dialect, params);

  const value = (v: BoundValue): string => (v.kind === 'column' ? columnSql(v, dialect) : bind(v.value));

  const condition = (e: BoundExpr): string => {
    switch (e.kind) {
      case 'compare':
        return compare(e);
      case 'logical':
        return balanced(logicalOperands(e).map(condition), e.op === 'and' ? 'AND' : 'OR');
      case 'not':
        return `(${condition(e.operand)}) IS NOT TRUE`;
      case 'in': {
        const left = value(e.left);
        return `${left} IN (${e.list.map(value).join(', ')})`;
      }
      case 'predicate': {
        if (e.search.kind !== 'param' || typeof e.search.value !== 'string') throw new Error('predicate search must be a string parameter');
        const subject = value(e.subject);
        const fn = e.name === 'startswith' ? dialect.startsWith : e.name === 'endswith' ? dialect.endsWith : dialect.contains;
        return fn(subject, e.search.value, bind);
      }
      case 'boolean':
        if (e.value.kind !== 'column') throw new Error('a boolean condition must be a column');
        return `${columnSql(e.value, dialect)} = ${bind(true)}`;
    }
  };

  const compare = (e: Extract<BoundExpr, { kind: 'compare' }>): string => {
    const nullSide = isNullParam(e.right) ? e.left : isNullParam(e.left) ? e.right : undefined;
    if (nullSide) {
      if (e.op !== 'eq' && e.op !== 'ne') throw new Error(`null cannot be compared with ${e.op}`);
      return `${value(nullSide)} ${e.op === 'eq' ? 'IS NULL' : 'IS NOT NULL'}`;
    }
    const nullableColumn = [e.left, e.right].find((v) => v.kind === 'column' && v.property.storedNullable);
    const guard = e.op === 'ne' && nullableColumn ? `${value(nullableColumn)} IS NULL OR ` : '';
    const sql = `${value(e.left)} ${SQL_OPERATORS[e.op]} ${value(e.right)}`;
    return guard ? `(${guard}${sql})` : sql;
  };

  return condition(expr);
}

/**
 * ORDER BY the `$orderby` keys then the sequence column (ascending, the tie-breaker that makes the order total),
 * and, when the query continues a `$skiptoken`, the predicate "strictly after that row" in that order:
 * `k1 > v1 OR (k1 = v1 AND k2 > v2) OR … OR (k1 = v1 AND … AND seq > s)`, with `<` for descending keys and
 * null placements decided here (the token's values are known, so only the comparisons that can hold are written).
 * `orderBy` is the text after `ORDER BY`.
 */
export function compileOrderAndKeyset(
  query: ListQuery, entity: EntityDef, dialect: SqlDialect, params: unknown[],
): { keysetWhere?: string; orderBy: string } {
  const keys = sortKeys(query, entity);
  const orderBy = keys.map((k) => `${k.column} ${k.direction === 'asc' ? 'ASC' : 'DESC'}${nullsPlacement(k)}`).join(', ');
  const after = query.after;
  if (!after) return { orderBy };
  if (after.length !== keys.length) throw new Error(`keyset position has ${after.length} values for ${keys.length} sort keys`);
  const bind = binder(dialect, params);

  const parts: string[] = [];
  // A redundant range on the first key lets either planner start an index range scan instead of evaluating the OR.
  const first = keys[0];
  if (keys.length > 1 && !first.nullable) parts.push(`${first.column} ${first.direction === 'asc' ? '>=' : '<='} ${bind(after[0])}`);

  const disjuncts: string[] = [];
  keys.forEach((key, i) => {
    if (after[i] === null && key.direction === 'desc') return; // nulls are last: nothing sorts after a null
    const terms = keys.slice(0, i).map((k, j) => (after[j] === null ? `${k.column} IS NULL` : `${k.column} = ${bind(after[j])}`));
    terms.push(afterTerm(key, after[i], bind));
    disjuncts.push(terms.length > 1 ? `(${terms.join(' AND ')})` : terms[0]);
  });
  parts.push(disjuncts.length > 1 ? `(${disjuncts.join(' OR ')})` : disjuncts[0]);
  return { keysetWhere: parts.join(' AND '), orderBy };
}

/**
 * A row's sort-key values — `orderBy` values then the sequence — for the next `$skiptoken`. The row is keyed by
 * property name with the sequence under `SEQUENCE_FIELD`, as `TableMapping.fromDb` returns it. A case-insensitive
 * property is ordered by its lower-cased filter column, so its value is lower-cased here exactly as the store
 * derives that column (`toLowerCase`).
 */
export function rowKeyValues(query: ListQuery, row: Readonly<Record<string, unknown>>): KeyValue[] {
  const values = query.orderBy.map(({ property }): KeyValue => {
    const value = row[property.name];
    if (value === undefined) throw new Error(`row has no property '${property.name}'`);
    if (value === null) return null;
    switch (property.kind) {
      case 'boolean': return Boolean(value);
      case 'enum':
      case 'int32': return Number(value);
      default: return property.caseInsensitive ? String(value).toLowerCase() : String(value);
    }
  });
  const seq = Number(row[SEQUENCE_FIELD]);
  if (!Number.isSafeInteger(seq)) throw new Error(`row has no usable '${SEQUENCE_FIELD}'`);
  return [...values, seq];
}

interface SortKey {
  readonly column: string;
  readonly direction: 'asc' | 'desc';
  readonly nullable: boolean;
}

function sortKeys(query: ListQuery, entity: EntityDef): SortKey[] {
  return [
    ...query.orderBy.map((k) => ({ column: ident(k.property.filterColumn), direction: k.direction, nullable: k.property.storedNullable })),
    { column: ident(entity.sequenceColumn), direction: 'asc' as const, nullable: false },
  ];
}

function nullsPlacement(key: SortKey): string {
  if (!key.nullable) return ''; // a NULLS clause on a NOT NULL column would only stop PostgreSQL from using a plain index
  return key.direction === 'asc' ? ' NULLS FIRST' : ' NULLS LAST';
}

/** "Sorts strictly after `value`" for one key, given nulls first (asc) / last (desc). */
function afterTerm(key: SortKey, value: KeyValue, bind: (v: KeyValue) => string): string {
  if (value === null) return `${key.column} IS NOT NULL`; // asc only: the caller skips desc
  if (key.direction === 'asc') return `${key.column} > ${bind(value)}`;
  return key.nullable ? `(${key.column} < ${bind(value)} OR ${key.column} IS NULL)` : `${key.column} < ${bind(value)}`;
}

function columnSql(v: Extract<BoundValue, { kind: 'column' }>, dialect: SqlDialect): string {
  const column = ident(v.property.filterColumn);
  return v.transform === 'lower' ? dialect.lower(column) : v.transform === 'upper' ? dialect.upper(column) : column;
}

function isNullParam(v: BoundValue): boolean {
  return v.kind === 'param' && v.value === null;
}

/** `a OR b OR c …` as a balanced tree of parentheses: SQLite limits expression depth to 1000, and a long flat chain counts one level per term. */
function balanced(parts: string[], op: 'AND' | 'OR'): string {
  if (parts.length === 1) return parts[0];
  const mid = Math.ceil(parts.length / 2);
  return `(${balanced(parts.slice(0, mid), op)} ${op} ${balanced(parts.slice(mid), op)})`;
}

function binder(dialect: SqlDialect, params: unknown[]): (value: unknown) => string {
  return (value) => {
    params.push(dialect.toParam(value as KeyValue));
    return dialect.placeholder(params.length);
  };
}

/** Column names come from the property tables; this only guards against a typo there reaching SQL text. */
function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return name;
}
