import type Database from 'better-sqlite3';
import type { EntityDef } from '../model/entity.js';
import { tableMapping, type TableMapping } from './row-mapping.js';

/**
 * The SQLite store's fixed SQL, prepared once per entity from its property table. List and count SQL comes
 * from list-sql.ts.
 */
export interface EntityStatements {
  readonly mapping: TableMapping;
  readonly insert: Database.Statement;
  /** The insert without RETURNING: audit events, whose rows nobody reads back. */
  readonly append: Database.Statement;
  /** By id, every column (writes and exports need the secrets). */
  readonly get: Database.Statement;
  /** By id, without the secret columns. */
  readonly getPublic: Database.Statement;
  readonly update: Database.Statement;
  readonly remove: Database.Statement;
}

export function prepareEntity(db: Database.Database, entity: EntityDef): EntityStatements {
  const mapping = tableMapping(entity, { booleanIn: (v) => (v ? 1 : 0) });
  const t = entity.table;
  const insert = `INSERT INTO ${t} (tenant_id, ${mapping.insertColumns.join(', ')}) VALUES (?, ${mapping.insertColumns.map(() => '?').join(', ')})`;
  return {
    mapping,
    insert: db.prepare(`${insert} RETURNING ${mapping.publicSelectList}`),
    append: db.prepare(insert),
    get: db.prepare(`SELECT ${mapping.selectList} FROM ${t} WHERE tenant_id = ? AND id = ?`),
    getPublic: db.prepare(`SELECT ${mapping.publicSelectList} FROM ${t} WHERE tenant_id = ? AND id = ?`),
    update: db.prepare(
      `UPDATE ${t} SET ${mapping.updateColumns.map((c) => `${c} = ?`).join(', ')} ` +
      `WHERE tenant_id = ? AND id = ? RETURNING ${mapping.selectList}`),
    remove: db.prepare(`DELETE FROM ${t} WHERE tenant_id = ? AND id = ?`),
  };
}

/** The lookup by one column (`findBy`): the first row of the tenant with that value. */
export function prepareFindBy(db: Database.Database, mapping: TableMapping, column: string): Database.Statement {
  return db.prepare(`SELECT ${mapping.selectList} FROM ${mapping.entity.table} WHERE tenant_id = ? AND ${column} = ? LIMIT 1`);
}
