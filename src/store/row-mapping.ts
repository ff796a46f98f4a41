import type { EntityDef, PropertyDef } from '../model/entity.js';
import type { Row } from './store.js';

/**
 * Maps rows between property names (domain) and columns (SQL), derived from the property table, so both
 * stores share one definition. Case-insensitive properties have a second, lower-cased filter column that
 * is derived here on every write, never sent by a caller.
 */
export interface TableMapping {
  readonly entity: EntityDef;
  /** Columns written on insert, in order: properties, derived filter columns, then the owner column. */
  readonly insertColumns: readonly string[];
  /** Columns rewritten by an update: every property but the id, plus derived filter columns. */
  readonly updateColumns: readonly string[];
  /** SELECT list: property columns (plus the sequence column, for keyset paging). */
  readonly selectList: string;
  /** The same without the secret properties' columns (ReadOptions.withSecrets off). */
  readonly publicSelectList: string;
  insertValues(row: Row, ownerId?: string): unknown[];
  updateValues(row: Row): unknown[];
  fromDb(record: Record<string, unknown>): Row;
}

export interface ValueCodec {
  /** How a boolean goes into the database (SQLite has no boolean type). */
  booleanIn(value: boolean): unknown;
}

export function tableMapping(entity: EntityDef, codec: ValueCodec): TableMapping {
  const props = entity.properties;
  const ownerColumns = entity.ownerColumn ? [entity.ownerColumn] : [];
  const derived = props.filter((p) => p.filterColumn !== p.column);
  const nonKey = props.filter((p) => p.name !== 'id');
  const toDb = (p: PropertyDef, row: Row): unknown => {
    const value = row[p.name];
    if (value === undefined || value === null) return null;
    return p.kind === 'boolean' ? codec.booleanIn(value as boolean) : value;
  };
  const lowered = (p: PropertyDef, row: Row): unknown => {
    const value = row[p.name];
    return typeof value === 'string' ? value.toLowerCase() : null;
  };
  return {
    entity,
    insertColumns: [...props.map((p) => p.column), ...derived.map((p) => p.filterColumn), ...ownerColumns],
    updateColumns: [...nonKey.map((p) => p.column), ...derived.map((p) => p.filterColumn)],
    selectList: [entity.sequenceColumn, ...props.map((p) => p.column)].join(', '),
    publicSelectList: [entity.sequenceColumn, ...props.filter((p) => !p.secret).map((p) => p.column)].join(', '),
    insertValues: (row, ownerId) => [
      ...props.map((p) => toDb(p, row)),
      ...derived.map((p) => lowered(p, row)),
      ...ownerColumns.map(() => ownerId ?? null),
    ],
    updateValues: (row) => [...nonKey.map((p) => toDb(p, row)), ...derived.map((p) => lowered(p, row))],
    fromDb(record) {
      const row: Row = {};
      for (const p of props) {
        const value = record[p.column];
        if (value === undefined) continue; // not read: a secret without ReadOptions.withSecrets, or left out by a list's $select
        row[p.name] = value === null || value === undefined ? null
          : p.kind === 'boolean' ? Boolean(value)
          : (p.kind === 'enum' || p.kind === 'int32') ? Number(value)
          : value;
      }
      // The sequence is kept under a name no property can have, for keyset paging only.
      row[SEQUENCE_FIELD] = Number(record[entity.sequenceColumn]);
      return row;
    },
  };
}

/** Field of a Row holding the entity's sequence number; stripped before a row leaves the store layer's users. */
export const SEQUENCE_FIELD = '__seq';
