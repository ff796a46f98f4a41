import type { EntityDef, RowOf } from '../model/entity.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { ListQuery } from '../odata/list-query.js';
import type { CachedRow, ExpiryCounts, Page, ReadOptions, Row, Store, WriteOptions } from './store.js';

/**
 * A store that passes every call to the store `current()` names at the time of the call: one app serving
 * several servers, each with a store of its own (server/app-host.ts). Holds nothing itself; closing it closes
 * nothing, since the stores are their servers'.
 */
export class RoutedStore implements Store {
  constructor(private readonly current: () => Store) {}

  get kind(): Store['kind'] {
    return this.current().kind;
  }

  insert<E extends EntityDef>(entity: E, tenantId: string, row: Row, options?: WriteOptions): Promise<RowOf<E>> {
    return this.current().insert(entity, tenantId, row, options);
  }

  get<E extends EntityDef>(entity: E, tenantId: string, id: string, options?: ReadOptions): Promise<RowOf<E> | undefined> {
    return this.current().get(entity, tenantId, id, options);
  }

  peek<E extends EntityDef>(entity: E, tenantId: string, id: string): (RowOf<E> & CachedRow) | undefined {
    return this.current().peek?.(entity, tenantId, id);
  }

  findBy<E extends EntityDef>(entity: E, tenantId: string, property: string, value: string): Promise<RowOf<E> | undefined> {
    return this.current().findBy(entity, tenantId, property, value);
  }

  update<E extends EntityDef>(entity: E, tenantId: string, id: string, change: (current: RowOf<E>) => Row,
    options?: WriteOptions): Promise<RowOf<E> | undefined> {
    return this.current().update(entity, tenantId, id, change, options);
  }

  delete(entity: EntityDef, tenantId: string, id: string, options?: WriteOptions): Promise<boolean> {
    return this.current().delete(entity, tenantId, id, options);
  }

  list<E extends EntityDef>(entity: E, tenantId: string, query: ListQuery, options?: ReadOptions): Promise<Page<RowOf<E>>> {
    return this.current().list(entity, tenantId, query, options);
  }

  count(entity: EntityDef, tenantId: string, filter?: BoundExpr): Promise<number> {
    return this.current().count(entity, tenantId, filter);
  }

  expiryCounts(now: Date, withinDays: readonly number[]): Promise<ExpiryCounts[]> {
    return this.current().expiryCounts(now, withinDays);
  }

  appendAudit(tenantId: string, event: Row): Promise<void> {
    return this.current().appendAudit(tenantId, event);
  }

  removeTenant(tenantId: string): Promise<void> {
    return this.current().removeTenant(tenantId);
  }

  ping(): Promise<void> {
    return this.current().ping();
  }

  async close(): Promise<void> {}
}
