import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EntityDef } from '../model/entity.js';
import { ConflictError, StoreUnavailableError } from '../model/errors.js';
import { auditEventEntity } from '../model/audit-event.js';
import { userEntity } from '../model/user.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { ListQuery } from '../odata/list-query.js';
import { sqliteMigrations } from './migrations/sqlite.js';
import { tableMapping, type TableMapping } from './row-mapping.js';
import { sqliteDialect } from './sql-dialect.js';
import { buildListSql, buildCountSql, pageFromRows } from './list-sql.js';
import type { Page, ReadOptions, Row, Store, WriteOptions } from './store.js';
import { SqliteWriteQueue } from './sqlite-write-queue.js';
import { LruMap } from '../util/lru-map.js';
import { ENTITIES } from '../model/entities.js';

/** Extra (non-property) columns per table. */

interface EntityStatements {
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

/** How many distinct list/count statements stay prepared: filters vary, but a client repeats its few shapes. */
const STATEMENT_CACHE_SIZE = 256;
/** How many rows read by id stay in memory (~1 KB each without their secrets). */
const ROW_CACHE_SIZE = 10_000;

export interface SqliteStoreOptions {
  /** Database file; created with its folder when missing. `:memory:` for throw-away stores. */
  readonly path: string;
  /**
   * `full` fsyncs the WAL on every commit (survives power loss); `normal` survives a process crash only.
   * Default full: a 201 is a promise.
   */
  readonly synchronous?: 'full' | 'normal';
}

/**
 * The embedded store: one SQLite file in WAL mode. better-sqlite3 is synchronous, which is what SQLite is
 * anyway; each call is a few microseconds on prepared statements, so the event loop is not held up. Writes are
 * group-committed (sqlite-write-queue.ts): concurrent creates share one fsync.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<EntityDef, EntityStatements>();
  private readonly queryCache = new LruMap<string, Database.Statement>(STATEMENT_CACHE_SIZE);
  /** Lookups by one column (findBy), by `table.column`. */
  private readonly findByStatements = new Map<string, Database.Statement>();
  /**
   * Rows read by id without their secrets, frozen. This process holds the file exclusively and every write
   * goes through insert/update/delete below, which drop the row they touch, so an entry is never stale.
   */
  private readonly publicRows = new LruMap<string, Row>(ROW_CACHE_SIZE);
  private readonly writes: SqliteWriteQueue;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') createPrivately(options.path);
    this.db = new Database(options.path);
    // One process owns the file (several instances share PostgreSQL instead). Exclusive locking keeps the WAL
    // index in process memory instead of a shared-memory file with a lock per read: a read by key costs
    // ~1 µs instead of ~8 µs. It has to be set before the first access.
    this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.pragma('busy_timeout = 2000');
    try {
      this.db.pragma('journal_mode = WAL');
    } catch (err) {
      this.db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') {
        throw new Error(`The SQLite database ${options.path} is in use by another process: ` +
          'pfxstore holds it exclusively; run several instances on PostgreSQL (--db postgres://…).', { cause: err });
      }
      throw err;
    }
    this.db.pragma(`synchronous = ${options.synchronous ?? 'full'}`);
    // Checkpoint every ~40 MB of WAL rather than SQLite's default ~4 MB: a create dirties about eight pages, most
    // of them index pages that later creates dirty again, and a longer interval copies each of those into the
    // database once instead of over and over (-20% CPU per create, measured in bench/).
    this.db.pragma('wal_autocheckpoint = 10000');
    // A create inserts into seven indexes, four at random places; past a few thousand certificates they outgrow
    // SQLite's default 2 MB page cache and every insert reads its leaves back from the OS. 16 MB keeps about
    // 4,000 pages hot (-5% CPU per create in bench/) and stays well inside the memory budget.
    this.db.pragma('cache_size = -16000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    for (const entity of ENTITIES) {
      this.statements.set(entity, this.prepareEntity(entity));
    }
    this.writes = new SqliteWriteQueue(this.db, translateError);
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const applied = new Set(this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    for (const migration of sqliteMigrations) {
      if (applied.has(migration.version)) continue;
      // The file is held exclusively, so no other process can be migrating it at the same time.
      this.db.transaction(() => {
        this.db.exec(migration.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
          .run(migration.version, new Date().toISOString());
      })();
    }
  }

  private prepareEntity(entity: EntityDef): EntityStatements {
    const mapping = tableMapping(entity, { booleanIn: (v) => (v ? 1 : 0) });
    const t = entity.table;
    const insert = `INSERT INTO ${t} (tenant_id, ${mapping.insertColumns.join(', ')}) VALUES (?, ${mapping.insertColumns.map(() => '?').join(', ')})`;
    return {
      mapping,
      insert: this.db.prepare(`${insert} RETURNING ${mapping.publicSelectList}`),
      append: this.db.prepare(insert),
      get: this.db.prepare(`SELECT ${mapping.selectList} FROM ${t} WHERE tenant_id = ? AND id = ?`),
      getPublic: this.db.prepare(`SELECT ${mapping.publicSelectList} FROM ${t} WHERE tenant_id = ? AND id = ?`),
      update: this.db.prepare(
        `UPDATE ${t} SET ${mapping.updateColumns.map((c) => `${c} = ?`).join(', ')} ` +
        `WHERE tenant_id = ? AND id = ? RETURNING ${mapping.selectList}`),
      remove: this.db.prepare(`DELETE FROM ${t} WHERE tenant_id = ? AND id = ?`),
    };
  }

  private entityStatements(entity: EntityDef): EntityStatements {
    const s = this.statements.get(entity);
    if (!s) throw new Error(`No table for entity ${entity.typeName}`);
    return s;
  }

  private writeAudit(tenantId: string, event: Row | undefined): void {
    if (!event) return;
    const s = this.entityStatements(auditEventEntity);
    s.append.run(tenantId, ...s.mapping.insertValues(event));
  }

  insert(entity: EntityDef, tenantId: string, row: Row, options: WriteOptions = {}): Promise<Row> {
    const s = this.entityStatements(entity);
    return this.write(() => {
      this.publicRows.delete(rowKey(entity, tenantId, row.id as string));
      const inserted = s.insert.get(tenantId, ...s.mapping.insertValues(row, options.ownerId)) as Record<string, unknown>;
      this.writeAudit(tenantId, options.audit);
      return s.mapping.fromDb(inserted);
    });
  }

  async get(entity: EntityDef, tenantId: string, id: string, options: ReadOptions = {}): Promise<Row | undefined> {
    const s = this.entityStatements(entity);
    if (options.withSecrets) {
      const found = this.guard(() => s.get.get(tenantId, id) as Record<string, unknown> | undefined);
      return found && s.mapping.fromDb(found);
    }
    const cached = this.peek(entity, tenantId, id);
    if (cached) return cached;
    const found = this.guard(() => s.getPublic.get(tenantId, id) as Record<string, unknown> | undefined);
    if (!found) return undefined;
    const row = Object.freeze(s.mapping.fromDb(found));
    this.publicRows.set(rowKey(entity, tenantId, id), row);
    return row;
  }

  peek(entity: EntityDef, tenantId: string, id: string): Row | undefined {
    return this.closed ? undefined : this.publicRows.get(rowKey(entity, tenantId, id));
  }

  async findBy(entity: EntityDef, tenantId: string, property: string, value: string): Promise<Row | undefined> {
    const p = entity.byName.get(property);
    if (!p) throw new Error(`Unknown property ${property}`);
    const s = this.entityStatements(entity);
    const find = this.findByStatement(entity, s.mapping, p.filterColumn);
    const found = this.guard(() => find.get(tenantId, value) as Record<string, unknown> | undefined);
    return found && s.mapping.fromDb(found);
  }

  /** The lookup by one column, prepared on first use. */
  private findByStatement(entity: EntityDef, mapping: TableMapping, column: string): Database.Statement {
    const key = `${entity.table}.${column}`;
    let statement = this.findByStatements.get(key);
    if (!statement) {
      statement = this.db.prepare(`SELECT ${mapping.selectList} FROM ${entity.table} WHERE tenant_id = ? AND ${column} = ? LIMIT 1`);
      this.findByStatements.set(key, statement);
    }
    return statement;
  }

  update(entity: EntityDef, tenantId: string, id: string, change: (current: Row) => Row, options: WriteOptions = {}): Promise<Row | undefined> {
    const s = this.entityStatements(entity);
    return this.write(() => {
      this.publicRows.delete(rowKey(entity, tenantId, id));
      // Renaming a user rewrites the UPN on their certificates (a trigger, migrations/sqlite.ts): rare enough
      // to forget every cached row rather than track whose certificates those are.
      if (entity === userEntity) this.publicRows.clear();
      const current = s.get.get(tenantId, id) as Record<string, unknown> | undefined;
      if (!current) return undefined;
      const next = change(s.mapping.fromDb(current));
      const updated = s.update.get(...s.mapping.updateValues(next), tenantId, id) as Record<string, unknown>;
      this.writeAudit(tenantId, options.audit);
      return s.mapping.fromDb(updated);
    });
  }

  delete(entity: EntityDef, tenantId: string, id: string, options: WriteOptions = {}): Promise<boolean> {
    const s = this.entityStatements(entity);
    return this.write(() => {
      this.publicRows.delete(rowKey(entity, tenantId, id));
      const { changes } = s.remove.run(tenantId, id);
      if (changes > 0) this.writeAudit(tenantId, options.audit);
      return changes > 0;
    });
  }

  async list(entity: EntityDef, tenantId: string, query: ListQuery, options: ReadOptions = {}): Promise<Page> {
    const s = this.entityStatements(entity);
    const { sql, params } = buildListSql(entity, s.mapping, sqliteDialect, tenantId, query, options);
    const records = this.guard(() => this.cached(sql).all(...params) as Record<string, unknown>[]);
    let count: number | undefined;
    if (query.count) count = await this.count(entity, tenantId, query.filter);
    return pageFromRows(query, records.map((r) => s.mapping.fromDb(r)), count);
  }

  async count(entity: EntityDef, tenantId: string, filter?: BoundExpr): Promise<number> {
    const { sql, params } = buildCountSql(entity, sqliteDialect, tenantId, filter);
    return this.guard(() => Number(this.cached(sql).pluck().get(...params)));
  }

  appendAudit(tenantId: string, event: Row): Promise<void> {
    return this.write(() => this.writeAudit(tenantId, event));
  }

  async ping(): Promise<void> {
    this.guard(() => this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.writes.drain();
    this.closed = true;
    this.publicRows.clear();
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

function rowKey(entity: EntityDef, tenantId: string, id: string): string {
  return `${entity.table}/${tenantId}/${id}`;
}

/** SQLite's constraint and I/O failures as domain errors, by result code; anything else passes unchanged. */
function translateError(err: unknown): unknown {
  const code = (err as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY')) {
    return new ConflictError('An entity with the same key already exists.');
  }
  if (code.startsWith('SQLITE_CONSTRAINT_FOREIGNKEY')) {
    return new ConflictError('Other entities still refer to this one.');
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_FULL') {
    return new StoreUnavailableError(`The database is unavailable (${code}).`);
  }
  return err;
}

/**
 * The database holds the secrets (encrypted) and the audit trail: like the key files beside it, it is its
 * owner's alone. SQLite creates its -wal and -journal files with the database file's mode, so the file is made
 * 0600 before SQLite opens it; files an earlier version made world-readable are narrowed.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}
