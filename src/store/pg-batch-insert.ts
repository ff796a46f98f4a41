import type { TableMapping } from './row-mapping.js';
import { columnType, type ColumnTypes } from './pg-schema.js';
import { statement, type Statement } from './pg-statements.js';
import type { Row, WriteOptions } from './store.js';

/**
 * Several inserts with their audit events in one statement: rows whose key is taken are skipped (ON CONFLICT DO
 * NOTHING), and only the rows inserted get their audit event. It returns `tenant_id` and the public select list
 * of each row inserted. Its parameters come from batchInsertValues.
 */
export interface BatchInsertStatement extends Statement {
  readonly rows: readonly BatchColumn[];
  readonly events: readonly BatchColumn[];
}

/** One insert waiting for a batch: what `Store.insert` was called with. */
export interface BatchedInsert {
  readonly tenantId: string;
  readonly row: Row;
  readonly options: WriteOptions;
}

interface BatchColumn {
  readonly name: string;
  /** Its SQL type, from the catalog (pg-schema.ts, readColumnTypes). */
  readonly type: string;
}

/** `audit` is the audit table's mapping: the statement writes the audit events of the rows it inserts. */
export function batchInsertStatement(mapping: TableMapping, audit: TableMapping, types: ColumnTypes): BatchInsertStatement {
  const rowColumns = batchColumns(mapping, types);
  // The id of the row an event belongs to, to join the event to the row inserted: a parameter, not a column.
  const eventColumns = [...batchColumns(audit, types), { name: 'subject_id', type: columnType(types, mapping.entity.table, 'id') }];
  const rows = batchSource(rowColumns, 'r', 1);
  const events = batchSource(eventColumns, 'a', rows.nextParameter);
  const sql = `WITH inserted AS (
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
  return { ...statement(sql), rows: rowColumns, events: eventColumns };
}

/** The parameters of `s` for these inserts (their keys must be distinct). */
export function batchInsertValues(s: BatchInsertStatement, mapping: TableMapping, audit: TableMapping, inserts: readonly BatchedInsert[]): unknown[] {
  const audited = inserts.filter((i) => i.options.audit);
  return [
    ...batchParameters(s.rows, inserts.map((i) => [i.tenantId, ...mapping.insertValues(i.row, i.options.ownerId)])),
    ...batchParameters(s.events, audited.map((i) => [i.tenantId, ...audit.insertValues(i.options.audit!), i.row.id])),
  ];
}

/** The columns an insert writes, in insertValues' order, tenant first. */
function batchColumns(mapping: TableMapping, types: ColumnTypes): BatchColumn[] {
  const table = mapping.entity.table;
  return ['tenant_id', ...mapping.insertColumns].map((name) => ({ name, type: columnType(types, table, name) }));
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
