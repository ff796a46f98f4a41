import type { EntityDef, RowOf } from '../model/entity.js';
import { StoreUnavailableError } from '../model/errors.js';
import { auditEventEntity } from '../model/audit-event.js';
import { certificateEntity } from '../model/certificate.js';
import { userEntity } from '../model/user.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { ListQuery } from '../odata/list-query.js';
import { buildExpirySql } from './expiry-sql.js';
import { buildCountSql, buildListSql, pageFromRows } from './list-sql.js';
import { PgConnections, type Lease } from './pg-connections.js';
import { PgInsertBatcher } from './pg-insert-batcher.js';
import { PgLookupBatcher } from './pg-lookup-batcher.js';
import { migrate, readColumnTypes, type ColumnTypes } from './pg-schema.js';
import { prepareEntity, statement, type EntityStatements } from './pg-statements.js';
import { parseUrl } from './pg-url.js';
import { postgresDialect } from './sql-dialect.js';
import { removeTenantSql } from './tenant-tables.js';
import { typedRow, type ExpiryCounts, type Page, type ReadOptions, type Row, type Store, type WriteOptions } from './store.js';

export interface PostgresStoreOptions {
  /** `postgres://…` or `postgresql://…`, optionally with `?schema=name` (see pg-url.ts). */
  readonly url: string;
  /** Overrides the URL's `schema` parameter. */
  readonly schema?: string;
  /** Connections in the pool. Default 10. */
  readonly poolSize?: number;
  /** Server-side statement_timeout. Default 5000 ms. */
  readonly statementTimeoutMs?: number;
  /** Bound on getting a connection: TCP + TLS + authentication, or a free pool slot. Default 3000 ms. */
  readonly connectTimeoutMs?: number;
  /** Told about errors of idle pooled connections (the pool has already dropped them). Default: ignored. */
  readonly onIdleError?: (err: Error) => void;
}

const DEFAULTS = { poolSize: 10, statementTimeoutMs: 5000, connectTimeoutMs: 3000 } as const;
/** `ping()` answers /readyz: a slow database is as good as an absent one there. */
const PING_TIMEOUT_MS = 2000;
const ENTITIES = [userEntity, certificateEntity, auditEventEntity];
/** The DELETEs of removeTenant, one per table (tenant-tables.ts). */
const REMOVE_TENANT = removeTenantSql('$1').map(statement);
const FOLD_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('pfxstore.expiry_days'), hashtext(current_schema())) AS locked";
const FOLD_DELTAS = `WITH folded AS (
  DELETE FROM certificate_expiry_days WHERE (tenant_id, day) IN (
    SELECT tenant_id, day FROM certificate_expiry_days GROUP BY tenant_id, day HAVING count(*) > 1)
  RETURNING tenant_id, day, certificates
)
INSERT INTO certificate_expiry_days (tenant_id, day, certificates)
SELECT tenant_id, day, sum(certificates) FROM folded GROUP BY tenant_id, day`;

/**
 * The server store: PostgreSQL, shared by several stateless instances. Same behaviour as store/sqlite.ts, call
 * for call, and written beside it method for method. Around it: the URL (pg-url.ts), the pool and its
 * timeouts and retries (pg-connections.ts), the schema (pg-schema.ts), the fixed SQL (pg-statements.ts), and
 * what shares round trips between the requests of one event-loop turn (pg-insert-batcher.ts,
 * pg-lookup-batcher.ts).
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly statements = new Map<EntityDef, EntityStatements>();
  private readonly inserts: PgInsertBatcher;
  private readonly lookups: PgLookupBatcher;

  /** Connects, applies pending migrations (safe when several instances start at once), and returns the store. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const url = parseUrl(options.url, options.schema);
    const connections = PgConnections.create({
      url,
      poolSize: options.poolSize ?? DEFAULTS.poolSize,
      statementTimeoutMs: options.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      onIdleError: options.onIdleError,
    });
    try {
      await migrate(connections, url.schema);
      return new PostgresStore(connections, await readColumnTypes(connections, ENTITIES.map((e) => e.table)));
    } catch (err) {
      await connections.close().catch(() => undefined);
      throw err;
    }
  }

  private constructor(private readonly connections: PgConnections, types: ColumnTypes) {
    for (const entity of ENTITIES) this.statements.set(entity, prepareEntity(entity));
    const audit = this.entityStatements(auditEventEntity).mapping;
    this.inserts = new PgInsertBatcher(connections, audit, types, (...args) => this.insertAlone(...args));
    this.lookups = new PgLookupBatcher(connections);
  }

  private entityStatements(entity: EntityDef): EntityStatements {
    const s = this.statements.get(entity);
    if (!s) throw new Error(`No table for entity ${entity.typeName}`);
    return s;
  }

  private async writeAudit(lease: Lease, tenantId: string, event: Row | undefined): Promise<void> {
    if (!event) return;
    const s = this.entityStatements(auditEventEntity);
    await this.connections.execute(lease, s.insert, [tenantId, ...s.mapping.insertValues(event)]);
  }

  /** Batched with the other inserts of this turn of the event loop (pg-insert-batcher.ts). */
  async insert<E extends EntityDef>(entity: E, tenantId: string, row: Row, options: WriteOptions = {}): Promise<RowOf<E>> {
    if (this.connections.closed) throw new StoreUnavailableError('The store is closed.');
    return typedRow(entity, await this.inserts.insert(this.entityStatements(entity).mapping, tenantId, row, options));
  }

  /** One insert and its audit event in their own transaction: when a batch cannot answer for it. */
  private insertAlone(entity: EntityDef, tenantId: string, row: Row, options: WriteOptions): Promise<Row> {
    const s = this.entityStatements(entity);
    return this.connections.transaction(async (lease) => {
      const { rows } = await this.connections.execute(lease, s.insert, [tenantId, ...s.mapping.insertValues(row, options.ownerId)]);
      await this.writeAudit(lease, tenantId, options.audit);
      return s.mapping.fromDb(rows[0]);
    });
  }

  /** Batched with the other reads by id of this turn (pg-lookup-batcher.ts). No `peek`: nothing is kept in memory. */
  async get<E extends EntityDef>(entity: E, tenantId: string, id: string, options: ReadOptions = {}): Promise<RowOf<E> | undefined> {
    const found = await this.lookups.lookup(this.entityStatements(entity).mapping, 'id', options.withSecrets ?? false, tenantId, id);
    return found && typedRow(entity, found);
  }

  async findBy<E extends EntityDef>(entity: E, tenantId: string, property: string, value: string): Promise<RowOf<E> | undefined> {
    const p = entity.byName.get(property);
    if (!p) throw new Error(`Unknown property ${property}`);
    const found = await this.lookups.lookup(this.entityStatements(entity).mapping, p.filterColumn, true, tenantId, value);
    return found && typedRow(entity, found);
  }

  async update<E extends EntityDef>(entity: E, tenantId: string, id: string, change: (current: RowOf<E>) => Row,
    options: WriteOptions = {}): Promise<RowOf<E> | undefined> {
    const s = this.entityStatements(entity);
    return this.connections.transaction(async (lease) => {
      const { rows: [current] } = await this.connections.execute(lease, s.lock, [tenantId, id]);
      if (!current) return undefined;
      // May throw (a ValidationError): the transaction rolls back and the error goes to the caller as it is.
      const next = change(typedRow(entity, s.mapping.fromDb(current)));
      const { rows: [updated] } = await this.connections.execute(lease, s.update, [...s.mapping.updateValues(next), tenantId, id]);
      await this.writeAudit(lease, tenantId, options.audit);
      return typedRow(entity, s.mapping.fromDb(updated));
    });
  }

  async delete(entity: EntityDef, tenantId: string, id: string, options: WriteOptions = {}): Promise<boolean> {
    const s = this.entityStatements(entity);
    return this.connections.transaction(async (lease) => {
      const { rowCount } = await this.connections.execute(lease, s.remove, [tenantId, id]);
      const deleted = (rowCount ?? 0) > 0;
      if (deleted) await this.writeAudit(lease, tenantId, options.audit);
      return deleted;
    });
  }

  async list<E extends EntityDef>(entity: E, tenantId: string, query: ListQuery, options: ReadOptions = {}): Promise<Page<RowOf<E>>> {
    const s = this.entityStatements(entity);
    const list = buildListSql(entity, s.mapping, postgresDialect, tenantId, query, options);
    const counting = query.count ? buildCountSql(entity, postgresDialect, tenantId, query.filter) : undefined;
    return this.connections.withClient(async (lease) => {
      const { rows } = await this.connections.runQuery(lease, list.sql, list.params);
      const count = counting && firstNumber(await this.connections.runQuery(lease, counting.sql, counting.params));
      return pageFromRows(query, rows.map((r) => typedRow(entity, s.mapping.fromDb(r))), count);
    });
  }

  async count(entity: EntityDef, tenantId: string, filter?: BoundExpr): Promise<number> {
    const { sql, params } = buildCountSql(entity, postgresDialect, tenantId, filter);
    return firstNumber(await this.connections.withClient((lease) => this.connections.runQuery(lease, sql, params)));
  }

  async expiryCounts(now: Date, withinDays: readonly number[]): Promise<ExpiryCounts[]> {
    const { sql, params, read } = buildExpirySql(postgresDialect, now, withinDays);
    await this.foldExpiryDeltas();
    const { rows } = await this.connections.withClient((lease) => this.connections.runQuery(lease, sql, params));
    return rows.map(read);
  }

  /**
   * Folds the delta rows the triggers append to `certificate_expiry_days` (migrations/postgres.ts version 2)
   * into one row per tenant and day, so the table stays as small as the days it counts. One statement, so the
   * sums never change for a reader; rows appended meanwhile are outside its snapshot and stay as they are. One
   * instance at a time (a transaction-scoped advisory lock per schema); the others skip it.
   */
  private async foldExpiryDeltas(): Promise<void> {
    await this.connections.transaction(async (lease) => {
      const { rows: [lock] } = await this.connections.run(lease, FOLD_LOCK);
      if (!lock.locked) return;
      await this.connections.run(lease, FOLD_DELTAS);
    });
  }

  async appendAudit(tenantId: string, event: Row): Promise<void> {
    // Not retried: an INSERT whose answer was lost may have been committed.
    await this.connections.withClient((lease) => this.writeAudit(lease, tenantId, event), { retry: false });
  }

  /**
   * One transaction. The certificates' delete trigger appends negative deltas to the expiry counts, which the
   * last DELETE removes with the rest; a fold running meanwhile in another instance waits on those rows.
   */
  async removeTenant(tenantId: string): Promise<void> {
    await this.connections.transaction(async (lease) => {
      for (const s of REMOVE_TENANT) await this.connections.execute(lease, s, [tenantId]);
    });
  }

  async ping(): Promise<void> {
    await this.connections.withClient((lease) => this.connections.run(lease, 'SELECT 1', undefined, { timeoutMs: PING_TIMEOUT_MS }));
  }

  close(): Promise<void> {
    return this.connections.close();
  }

  /** Raw access for tests that read query plans: the lines of `EXPLAIN sql` with these parameters. */
  async explain(sql: string, params: unknown[]): Promise<string[]> {
    const result = await this.connections.withClient((lease) => this.connections.run(lease, `EXPLAIN ${sql}`, params));
    return result.rows.map((r) => String(r['QUERY PLAN']));
  }
}

/** COUNT(*) is a bigint, which pg returns as text. */
function firstNumber(result: { rows: unknown[] }): number {
  return Number(Object.values(result.rows[0] as Record<string, unknown>)[0]);
}
