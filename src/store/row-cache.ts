import type { EntityDef } from '../model/entity.js';
import { LruMap } from '../util/lru-map.js';
import type { CachedRow, Row, RowMemo } from './store.js';

/**
 * Rows read by id without their secrets, kept in memory as CachedRows (store.ts): frozen, each with its RowMemo,
 * where the graph layer keeps the row's response body. Only a store whose process holds the database alone may
 * keep one (SQLite, which holds its file exclusively): every write goes through that store, which drops the row
 * it touches before writing, so an entry is never stale — and its memo goes with it.
 */
export class RowCache {
  private readonly rows: LruMap<string, CachedRow>;

  /** `capacity` rows (~1 KB each without their secrets, plus their body once sent). */
  constructor(capacity: number) {
    this.rows = new LruMap(capacity);
  }

  get(entity: EntityDef, tenantId: string, id: string): CachedRow | undefined {
    return this.rows.get(rowKey(entity, tenantId, id));
  }

  /** Freezes `row` with an empty memo, keeps it, and returns it: the caller must not hold on to `row` itself. */
  keep(entity: EntityDef, tenantId: string, id: string, row: Row): CachedRow {
    const memo: RowMemo = {};
    Object.defineProperty(row, '__memo', { value: memo, enumerable: false });
    const cached = Object.freeze(row) as CachedRow;
    this.rows.set(rowKey(entity, tenantId, id), cached);
    return cached;
  }

  /** Before a write to this row: the next read goes to the database. */
  forget(entity: EntityDef, tenantId: string, id: string): void {
    this.rows.delete(rowKey(entity, tenantId, id));
  }

  clear(): void {
    this.rows.clear();
  }
}

function rowKey(entity: EntityDef, tenantId: string, id: string): string {
  return `${entity.table}/${tenantId}/${id}`;
}
