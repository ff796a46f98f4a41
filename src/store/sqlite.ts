import type Database from 'better-sqlite3';
import type { EntityDef, RowOf } from '../model/entity.js';
import { StoreUnavailableError } from '../model/errors.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { ListQuery } from '../odata/list-query.js';
import { buildExpirySql } from './expiry-sql.js';
import { buildCountSql, buildListSql, pageFromRows } from './list-sql.js';
import { RowCache } from './row-cache.js';
import { sqliteDialect } from './sql-dialect.js';
import { translateError } from './sqlite-errors.js';
import { openSqliteFile } from './sqlite-file.js';
import { migrate } from './sqlite-schema.js';
import { prepareEntity, prepareFindBy, type EntityStatements } from './sqlite-statements.js';
import { SqliteWriteQueue } from './sqlite-write-queue.js';
import { removeTenantSql } from './tenant-tables.js';
import { typedRow, type CachedRow, type ExpiryCounts, type Page, type ReadOptions, type Row, type Store, type WriteOptions } from './store.js';
import { LruMap } from '../util/lru-map.js';
import { auditEventEntity } from '../model/audit-event.js';
import { ENTITIES } from '../model/entities.js';
import { userEntity } from '../model/user.js';

export interface SqliteStoreOptions {
  /** Database file; created with its folder when missing. `:memory:` for throw-away stores. */
  readonly path: string;
  /**
   * `full` fsyncs the WAL on every commit (survives power loss); `normal` survives a process crash only.
   * Default full: a 201 is a promise.
   */
  readonly synchronous?: 'full' | 'normal';
}

/** How many distinct list/count statements stay prepared: filters vary, but a client repeats its few shapes. */
const STATEMENT_CACHE_SIZE = 256;
/** How many rows read by id stay in memory. */
const ROW_CACHE_SIZE = 10_000;

/**
 * The embedded store: one SQLite file in WAL mode, written beside store/postgres.ts method for method. Around
 * it: the file and its settings (sqlite-file.ts), the schema (sqlite-schema.ts), the fixed SQL
 * (sqlite-statements.ts), the group commit (sqlite-write-queue.ts: concurrent creates share one fsync) and the
 * rows kept in memory (row-cache.ts). better-sqlite3 is synchronous, which is what SQLite is anyway; each call
 * is a few microseconds on prepared statements, so the event loop is not held up.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  /** Prepared at first use: a memory store a test starts and stops may never touch most of them (~0.4 ms). */
  private readonly statements = new Map<EntityDef, EntityStatements>();
  private readonly queryCache = new LruMap<string, Database.Statement>(STATEMENT_CACHE_SIZE);
  /** Lookups by one column (findBy), by `table.column`. */
  private readonly findByStatements = new Map<string, Database.Statement>();
  /** Public rows read by id; insert, update and delete drop the row they touch (row-cache.ts). */
  private readonly rows = new RowCache(ROW_CACHE_SIZE);
  private readonly writes: SqliteWriteQueue;
  /** The DELETEs of removeTenant, one per table (tenant-tables.ts), prepared at the first. */
  private tenantRemovals?: Database.Statement[];
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    this.db = openSqliteFile(options.path, options.synchronous ?? 'full');
    migrate(this.db);
    this.writes = new SqliteWriteQueue(this.db, translateError);
  }

  private entityStatements(entity: EntityDef): EntityStatements {
    let s = this.statements.get(entity);
    if (!s) {
      if (!ENTITIES.includes(entity)) throw new Error(`No table for entity ${entity.typeName}`);
      // Guarded: on a closed store this is the first thing a call does, and must say the store is unavailable.
      s = this.guard(() => prepareEntity(this.db, entity));
      this.statements.set(entity, s);
    }
    return s;
  }

  private writeAudit(tenantId: string, event: Row | undefined): void {
    if (!event) return;
    const s = this.entityStatements(auditEventEntity);
    s.append.run(tenantId, ...s.mapping.insertValues(event));
  }

  /** Group-committed with the other writes of this turn of the event loop (sqlite-write-queue.ts). */
  insert<E extends EntityDef>(entity: E, tenantId: string, row: Row, options: WriteOptions = {}): Promise<RowOf<E>> {
    const s = this.entityStatements(entity);
    return this.write(() => {
      this.rows.forget(entity, tenantId, row.id as string);
      const inserted = s.insert.get(tenantId, ...s.mapping.insertValues(row, options.ownerId)) as Record<string, unknown>;
      this.writeAudit(tenantId, options.audit);
      return typedRow(entity, s.mapping.fromDb(inserted));
    });
  }

  async get<E extends EntityDef>(entity: E, tenantId: string, id: string, options: ReadOptions = {}): Promise<RowOf<E> | undefined> {
    const s = this.entityStatements(entity);
    if (options.withSecrets) {
      const found = this.guard(() => s.get.get(tenantId, id) as Record<string, unknown> | undefined);
      return found && typedRow(entity, s.mapping.fromDb(found));
    }
    const cached = this.peek(entity, tenantId, id);
    if (cached) return cached;
    const found = this.guard(() => s.getPublic.get(tenantId, id) as Record<string, unknown> | undefined);
    return found && typedRow(entity, this.rows.keep(entity, tenantId, id, s.mapping.fromDb(found)));
  }

  peek<E extends EntityDef>(entity: E, tenantId: string, id: string): (RowOf<E> & CachedRow) | undefined {
    const cached = this.closed ? undefined : this.rows.get(entity, tenantId, id);
    return cached && (typedRow(entity, cached) as RowOf<E> & CachedRow);
  }

  async findBy<E extends EntityDef>(entity: E, tenantId: string, property: string, value: string): Promise<RowOf<E> | undefined> {
    const p = entity.byName.get(property);
    if (!p) throw new Error(`Unknown property ${property}`);
    const s = this.entityStatements(entity);
    const find = this.findByStatement(s, p.filterColumn);
    const found = this.guard(() => find.get(tenantId, value) as Record<string, unknown> | undefined);
    return found && typedRow(entity, s.mapping.fromDb(found));
  }

  /** The lookup by one column, prepared on first use. */
  private findByStatement(s: EntityStatements, column: string): Database.Statement {
    const key = `${s.mapping.entity.table}.${column}`;
    let statement = this.findByStatements.get(key);
    if (!statement) this.findByStatements.set(key, (statement = prepareFindBy(this.db, s.mapping, column)));
    return statement;
  }

  update<E extends EntityDef>(entity: E, tenantId: string, id: string, change: (current: RowOf<E>) => Row,
    options: WriteOptions = {}): Promise<RowOf<E> | undefined> {
    const s = this.entityStatements(entity);
    return this.write(() => {
      this.rows.forget(entity, tenantId, id);
      // Renaming a user rewrites the UPN on their certificates (a trigger, migrations/sqlite.ts): rare enough
      // to forget every cached row rather than track whose certificates those are.
      if ((entity as EntityDef) === userEntity) this.rows.clear();
      const current = s.get.get(tenantId, id) as Record<string, unknown> | undefined;
      if (!current) return undefined;
      const next = change(typedRow(entity, s.mapping.fromDb(current)));
      const updated = s.update.get(...s.mapping.updateValues(next), tenantId, id) as Record<string, unknown>;
      this.writeAudit(tenantId, options.audit);
      return typedRow(entity, s.mapping.fromDb(updated));
    });
  }

  delete(entity: EntityDef, tenantId: string, id: string, options: WriteOptions = {}): Promise<boolean> {
    const s = this.entityStatements(entity);
    return this.write(() => {
      this.rows.forget(entity, tenantId, id);
      const { changes } = s.remove.run(tenantId, id);
      if (changes > 0) this.writeAudit(tenantId, options.audit);
      return changes > 0;
    });
  }

  async list<E extends EntityDef>(entity: E, tenantId: string, query: ListQuery, options: ReadOptions = {}): Promise<Page<RowOf<E>>> {
    const s = this.entityStatements(entity);
    const { sql, params } = buildListSql(entity, s.mapping, sqliteDialect, tenantId, query, options);
    const records = this.guard(() => this.cached(sql).all(...params) as Record<string, unknown>[]);
    let count: number | undefined;
    if (query.count) count = await this.count(entity, tenantId, query.filter);
    return pageFromRows(query, records.map((r) => typedRow(entity, s.mapping.fromDb(r))), count);
  }

  async count(entity: EntityDef, tenantId: string, filter?: BoundExpr): Promise<number> {
    const { sql, params } = buildCountSql(entity, sqliteDialect, tenantId, filter);
    return this.guard(() => Number(this.cached(sql).pluck().get(...params)));
  }

  async expiryCounts(now: Date, withinDays: readonly number[]): Promise<ExpiryCounts[]> {
    const { sql, params, read } = buildExpirySql(sqliteDialect, now, withinDays);
    return this.guard(() => (this.cached(sql).all(...params) as Record<string, unknown>[]).map(read));
  }

  appendAudit(tenantId: string, event: Row): Promise<void> {
    return this.write(() => this.writeAudit(tenantId, event));
  }

  /** One write of the group-commit queue, so one transaction: the tenant goes whole or not at all. */
  removeTenant(tenantId: string): Promise<void> {
    return this.write(() => {
      this.tenantRemovals ??= removeTenantSql('?').map((sql) => this.db.prepare(sql));
      for (const statement of this.tenantRemovals) statement.run(tenantId);
      // The cache is keyed by tenant, but has no index by it: a reset is rare enough to drop every row.
      this.rows.clear();
    });
  }

  async ping(): Promise<void> {
    this.guard(() => this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.writes.drain();
    this.closed = true;
    this.rows.clear();
    this.db.close();
  }

  /** Raw access for tests that read query plans. */
  explain(sql: string, params: unknown[]): string[] {
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
  }

  private cached(sql: string): Database.Statement {
    let statement = this.queryCache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.queryCache.set(sql, statement);
    }
    return statement;
  }

  /** Writes go through the group-commit queue; each is atomic on its own (a savepoint). */
  private write<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('The store is closed.'));
    return this.writes.run(work);
  }

  private guard<T>(work: () => T): T {
    if (this.closed) throw new StoreUnavailableError('The store is closed.');
    try {
      return work();
    } catch (err) {
      throw translateError(err);
    }
  }
}
