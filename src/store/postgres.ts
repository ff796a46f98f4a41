/**
 * The server store: PostgreSQL through a pg.Pool. Same behaviour as store/sqlite.ts, call for call.
 *
 * `--db postgres://user:password@host:5432/database?schema=pfxstore&sslmode=require`
 * - `schema` is pfxstore's own URL parameter (the `schema` open option wins over it): the schema that holds
 *   pfxstore's tables. It is taken out of the URL before pg sees it, created on first open when missing, and
 *   made the `search_path` of every connection through the startup packet (`options=-c search_path=…`), so no
 *   query can ever run before it applies. A plain lower-case identifier (`[a-z_][a-z0-9_]*`). Without it the
 *   tables live in the role's default search_path (normally `public`). Tests give every file its own schema.
 * - every other parameter is pg's (sslmode, application_name, options, …); an `options` in the URL is kept
 *   and pfxstore's settings are appended to it.
 *
 * Timeouts, so that no call outlives a bound: acquiring a connection (waiting for a free pool slot included)
 * gives up after `connectTimeoutMs`; the server cancels a statement after `statementTimeoutMs`
 * (statement_timeout, SQLSTATE 57014); the driver abandons a query whose answer never arrives (a dead network)
 * shortly after that (query_timeout), and the connection is then discarded. Every such failure is a
 * StoreUnavailableError (503 with Retry-After); the pool opens fresh connections on the next calls, so the
 * store recovers by itself when PostgreSQL is back.
 *
 * Statements: the fixed per-entity SQL is built once at open; list/count SQL comes from store/list-sql.ts.
 * All run as named prepared statements (named by a hash of their text, so a name always means one text), which
 * PostgreSQL parses once per connection. Sessions run with plan_cache_mode=force_custom_plan: a `$filter` range
 * such as `expirationDateTime lt …` may match three rows or all of them, and a generic plan chosen after five
 * executions would keep serving the first shape's plan to every value.
 */
import pg from 'pg';
import type { EntityDef } from '../model/entity.js';
import { ConflictError, DomainError, StoreUnavailableError } from '../model/errors.js';
import { auditEventEntity } from '../model/audit-event.js';
import { userEntity } from '../model/user.js';
import type { BoundExpr } from '../odata/filter-ast.js';
import type { ListQuery } from '../odata/list-query.js';
import { buildCountSql, buildListSql, pageFromRows } from './list-sql.js';
import { postgresMigrations } from './migrations/postgres.js';
import { connectError, queryError, sessionLost, staleConnection } from './pg-errors.js';
import { postgresDialect } from './sql-dialect.js';
import {
  insertBatchValues, lookupStatement, parseUrl, prepareEntity, statementName, type BatchedInsert, type EntityStatements, type Statement,
} from './pg-statements.js';
import { certificateEntity } from '../model/certificate.js';
import type { Page, ReadOptions, Row, Store, WriteOptions } from './store.js';
import { PerTurnQueue } from '../util/per-turn-queue.js';

export interface PostgresStoreOptions {
  /** `postgres://…` or `postgresql://…`, optionally with `?schema=name` (see the file header). */
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
/** How much longer than statement_timeout the driver waits for an answer before declaring the connection dead. */
const READ_TIMEOUT_MARGIN_MS = 1000;
/** `ping()` answers /readyz: a slow database is as good as an absent one there. */
const PING_TIMEOUT_MS = 2000;
/** Migrations may wait for another instance's; they are small, but creating indexes on a big table is not. */
const MIGRATION_TIMEOUT_MS = 120_000;
/** How many distinct list/count statements one connection keeps prepared; the rest run unnamed. */
const STATEMENT_CACHE_SIZE = 256;
/** Most inserts sent in one statement (~4.5 KB each for certificates). */
const INSERT_BATCH_SIZE = 100;

interface PendingInsert extends BatchedInsert {
  readonly resolve: (row: Row) => void;
  readonly reject: (err: unknown) => void;
}

interface PendingLookup {
  readonly tenantId: string;
  readonly value: string;
  readonly resolve: (row: Row | undefined) => void;
  readonly reject: (err: unknown) => void;
}

/** A checked-out client, and the error that means it must not go back to the pool. */
interface Lease {
  readonly client: pg.PoolClient;
  /** Was idle in the pool before (not connected for this call). */
  readonly reused: boolean;
  readonly onError: (err: Error) => void;
  /** Statements sent so far. */
  queries: number;
  broken?: Error;
}

interface RunOptions {
  /** Prepared statement name; unnamed when absent. */
  readonly name?: string;
  /** Client-side read timeout for this query instead of the pool's. */
  readonly timeoutMs?: number;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly statements = new Map<EntityDef, EntityStatements>();
  /** Names of the list/count statements prepared on each connection, to bound what a connection keeps. */
  private readonly preparedQueries = new WeakMap<pg.PoolClient, Set<string>>();
  /** Clients connected and not yet handed out: the others have been idle in the pool and may have gone stale. */
  private readonly fresh = new WeakSet<pg.PoolClient>();
  /** By `table.column`, with or without secrets: the queue that sends one turn's lookups as one statement (lookup). */
  private readonly lookupQueues = new Map<string, PerTurnQueue<PendingLookup>>();
  /** Inserts waiting for the next batch, by entity (insert, flushInserts). */
  private readonly insertQueues = new Map<EntityDef, PerTurnQueue<PendingInsert>>();
  private closed = false;

  private constructor(private readonly pool: pg.Pool, private readonly poolSize: number) {
    const audit = prepareEntity(auditEventEntity);
    this.statements.set(auditEventEntity, audit);
    for (const entity of [userEntity, certificateEntity]) {
      this.statements.set(entity, prepareEntity(entity, audit.mapping));
    }
    pool.on('connect', (client) => this.fresh.add(client));
  }

  /** Connects, applies pending migrations (safe when several instances start at once), and returns the store. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const { connectionString, schema, urlOptions } = parseUrl(options.url, options.schema);
    const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs;
    const startupOptions = [
      urlOptions,
      schema && `-c search_path=${schema}`,
      '-c plan_cache_mode=force_custom_plan',
    ].filter(Boolean).join(' ');
    const poolSize = options.poolSize ?? DEFAULTS.poolSize;
    const pool = new pg.Pool({
      connectionString,
      max: poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      statement_timeout: statementTimeoutMs,
      query_timeout: statementTimeoutMs + READ_TIMEOUT_MARGIN_MS,
      // A transaction left open (a client that hung mid-update) must not hold row locks for long.
      idle_in_transaction_session_timeout: 2 * statementTimeoutMs,
      options: startupOptions,
      fallback_application_name: 'pfxstore',
      // Notices a half-open connection (server host gone without a FIN) instead of waiting on it forever.
      keepAlive: true,
    });
    // An idle pooled connection that breaks (server restart, network) is dropped by the pool; without a
    // listener the 'error' event would crash the process.
    pool.on('error', (err) => options.onIdleError?.(err));
    const store = new PostgresStore(pool, poolSize);
    try {
      await store.migrate(schema);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return store;
  }

  private async migrate(schema: string | undefined): Promise<void> {
    const long = { timeoutMs: MIGRATION_TIMEOUT_MS };
    await this.transaction(async (lease) => {
      await this.run(lease, `SET LOCAL statement_timeout = ${MIGRATION_TIMEOUT_MS}`, undefined, long);
      // One instance migrates at a time, per schema; the others wait here, then find nothing left to do.
      // A transaction-scoped lock is released by COMMIT/ROLLBACK or by the connection dying: never left behind.
      await this.run(lease, "SELECT pg_advisory_xact_lock(hashtext('pfxstore.migrations'), hashtext($1))", [schema ?? ''], long);
      if (schema) {
        // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists.
        const found = await this.run(lease, 'SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema], long);
        if (found.rowCount === 0) await this.run(lease, `CREATE SCHEMA ${pg.escapeIdentifier(schema)}`, undefined, long);
      }
      await this.run(lease, 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)', undefined, long);
      const applied = new Set((await this.run(lease, 'SELECT version FROM schema_migrations', undefined, long)).rows.map((r) => Number(r.version)));
      for (const migration of postgresMigrations) {
        if (applied.has(migration.version)) continue;
        await this.run(lease, migration.sql, undefined, long);
        await this.run(lease, 'INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)',
          [migration.version, new Date().toISOString()], long);
      }
    });
  }

  private entityStatements(entity: EntityDef): EntityStatements {
    const s = this.statements.get(entity);
    if (!s) throw new Error(`No table for entity ${entity.typeName}`);
    return s;
  }

  private async writeAudit(lease: Lease, tenantId: string, event: Row | undefined): Promise<void> {
    if (!event) return;
    const s = this.entityStatements(auditEventEntity);
    await this.execute(lease, s.insert, [tenantId, ...s.mapping.insertValues(event)]);
  }

  /**
   * Inserts made in one turn of the event loop go out together, as one statement (flushInserts): under load
   * that is one round trip and one commit for many creates instead of four round trips each. Each caller still
   * gets its own row or its own error.
   */
  insert(entity: EntityDef, tenantId: string, row: Row, options: WriteOptions = {}): Promise<Row> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('The store is closed.'));
    let queue = this.insertQueues.get(entity);
    if (!queue) this.insertQueues.set(entity, (queue = new PerTurnQueue((items) => this.flushInserts(entity, items))));
    const turn = queue;
    return new Promise((resolve, reject) => turn.push({ tenantId, row, options, resolve, reject }));
  }

  private flushInserts(entity: EntityDef, queue: PendingInsert[]): void {
    // Only the first insert of a key goes into a batch: the statement could not tell two rows of one key
    // apart. The others follow on their own once it is settled, and meet its row (a conflict) or not.
    const firsts = new Map<string, PendingInsert>();
    const repeats: PendingInsert[] = [];
    for (const item of queue) {
      const key = `${item.tenantId}/${item.row.id as string}`;
      if (firsts.has(key)) repeats.push(item);
      else firsts.set(key, item);
    }
    const distinct = [...firsts.values()];
    const sent: Promise<void>[] = [];
    for (let i = 0; i < distinct.length; i += INSERT_BATCH_SIZE) {
      sent.push(this.insertBatch(entity, distinct.slice(i, i + INSERT_BATCH_SIZE)));
    }
    if (repeats.length > 0) void Promise.all(sent).then(() => repeats.forEach((item) => this.insertAlone(entity, item)));
  }

  private async insertBatch(entity: EntityDef, batch: PendingInsert[]): Promise<void> {
    const s = this.entityStatements(entity);
    const audit = this.entityStatements(auditEventEntity).mapping;
    let inserted: Map<string, Record<string, unknown>>;
    try {
      // One statement is atomic on its own. If its connection turns out to have died while idle, withClient
      // sends it again on another; ON CONFLICT makes that safe even if the first attempt had committed (the
      // rows are not written twice, nor their audit events; those creates would answer 409).
      const { rows } = await this.withClient((lease) => this.execute(lease, s.insertBatch!, insertBatchValues(s.mapping, audit, batch)));
      inserted = new Map(rows.map((r) => [`${r.tenant_id as string}/${r.id as string}`, r]));
    } catch (err) {
      // A constraint that fails the whole statement (an owner deleted meanwhile: a foreign key) belongs to
      // some of the rows only: each insert then runs on its own and gets its own answer.
      if (err instanceof DomainError && !(err instanceof StoreUnavailableError)) batch.forEach((item) => this.insertAlone(entity, item));
      else batch.forEach((item) => item.reject(err));
      return;
    }
    for (const item of batch) {
      const row = inserted.get(`${item.tenantId}/${item.row.id as string}`);
      if (row) item.resolve(s.mapping.fromDb(row));
      else item.reject(new ConflictError('An entity with the same key already exists.'));
    }
  }

  private insertAlone(entity: EntityDef, item: PendingInsert): void {
    this.insertOne(entity, item.tenantId, item.row, item.options).then(item.resolve, item.reject);
  }

  /** One insert and its audit event in their own transaction. */
  private insertOne(entity: EntityDef, tenantId: string, row: Row, options: WriteOptions): Promise<Row> {
    const s = this.entityStatements(entity);
    return this.transaction(async (lease) => {
      const { rows } = await this.execute(lease, s.insert, [tenantId, ...s.mapping.insertValues(row, options.ownerId)]);
      await this.writeAudit(lease, tenantId, options.audit);
      return s.mapping.fromDb(rows[0]);
    });
  }

  get(entity: EntityDef, tenantId: string, id: string, options: ReadOptions = {}): Promise<Row | undefined> {
    return this.lookup(entity, 'id', options.withSecrets ?? false, tenantId, id);
  }

  findBy(entity: EntityDef, tenantId: string, property: string, value: string): Promise<Row | undefined> {
    const p = entity.byName.get(property);
    if (!p) return Promise.reject(new Error(`Unknown property ${property}`));
    return this.lookup(entity, p.filterColumn, true, tenantId, value);
  }

  /**
   * One row by the value of one column. The lookups of one turn of the event loop by the same column (GETs by
   * id, every create's owner) go out as one statement: under load one round trip serves many requests.
   */
  private lookup(entity: EntityDef, column: string, withSecrets: boolean, tenantId: string, value: string): Promise<Row | undefined> {
    const key = `${entity.table}.${column}${withSecrets ? '+secrets' : ''}`;
    let queue = this.lookupQueues.get(key);
    if (!queue) {
      const s = this.entityStatements(entity);
      const find = lookupStatement(entity, column, withSecrets ? s.mapping.selectList : s.mapping.publicSelectList);
      queue = new PerTurnQueue((lookups) => void this.lookupAll(s, find, lookups));
      this.lookupQueues.set(key, queue);
    }
    const turn = queue;
    return new Promise((resolve, reject) => turn.push({ tenantId, value, resolve, reject }));
  }

  private async lookupAll(s: EntityStatements, find: Statement, lookups: PendingLookup[]): Promise<void> {
    try {
      const { rows } = await this.withClient((lease) => this.execute(lease, find, [lookups.map((l) => l.tenantId), lookups.map((l) => l.value)]));
      const found = new Map(rows.map((r) => [`${r.lookup_tenant as string}/${r.lookup_value as string}`, r]));
      for (const lookup of lookups) {
        const row = found.get(`${lookup.tenantId}/${lookup.value}`);
        lookup.resolve(row && s.mapping.fromDb(row));
      }
    } catch (err) {
      lookups.forEach((lookup) => lookup.reject(err));
    }
  }

  async update(entity: EntityDef, tenantId: string, id: string, change: (current: Row) => Row, options: WriteOptions = {}): Promise<Row | undefined> {
    const s = this.entityStatements(entity);
    return this.transaction(async (lease) => {
      const { rows: [current] } = await this.execute(lease, s.lock, [tenantId, id]);
      if (!current) return undefined;
      // May throw (a ValidationError): the transaction rolls back and the error goes to the caller as it is.
      const next = change(s.mapping.fromDb(current));
      const { rows: [updated] } = await this.execute(lease, s.update, [...s.mapping.updateValues(next), tenantId, id]);
      await this.writeAudit(lease, tenantId, options.audit);
      return s.mapping.fromDb(updated);
    });
  }

  async delete(entity: EntityDef, tenantId: string, id: string, options: WriteOptions = {}): Promise<boolean> {
    const s = this.entityStatements(entity);
    return this.transaction(async (lease) => {
      const { rowCount } = await this.execute(lease, s.remove, [tenantId, id]);
      const deleted = (rowCount ?? 0) > 0;
      if (deleted) await this.writeAudit(lease, tenantId, options.audit);
      return deleted;
    });
  }

  async list(entity: EntityDef, tenantId: string, query: ListQuery, options: ReadOptions = {}): Promise<Page> {
    const s = this.entityStatements(entity);
    const list = buildListSql(entity, s.mapping, postgresDialect, tenantId, query, options);
    const counting = query.count ? buildCountSql(entity, postgresDialect, tenantId, query.filter) : undefined;
    return this.withClient(async (lease) => {
      const { rows } = await this.runQuery(lease, list.sql, list.params);
      const count = counting && firstNumber(await this.runQuery(lease, counting.sql, counting.params));
      return pageFromRows(query, rows.map((r) => s.mapping.fromDb(r)), count);
    });
  }

  async count(entity: EntityDef, tenantId: string, filter?: BoundExpr): Promise<number> {
    const { sql, params } = buildCountSql(entity, postgresDialect, tenantId, filter);
    return firstNumber(await this.withClient((lease) => this.runQuery(lease, sql, params)));
  }

  async appendAudit(tenantId: string, event: Row): Promise<void> {
    // Not retried: an INSERT whose answer was lost may have been committed.
    await this.withClient((lease) => this.writeAudit(lease, tenantId, event), { retry: false });
  }

  async ping(): Promise<void> {
    await this.withClient((lease) => this.run(lease, 'SELECT 1', undefined, { timeoutMs: PING_TIMEOUT_MS }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** Raw access for tests that read query plans: the lines of `EXPLAIN sql` with these parameters. */
  async explain(sql: string, params: unknown[]): Promise<string[]> {
    const result = await this.withClient((lease) => this.run(lease, `EXPLAIN ${sql}`, params));
    return result.rows.map((r) => String(r['QUERY PLAN']));
  }

  /**
   * Checks a client out for `work`, and returns it, or discards it when its session broke on the way.
   *
   * A pooled connection can die while idle (server restart, failover, a firewall dropping idle flows); the call
   * that picks it up fails on its first statement, before anything ran on the server. That call is retried on
   * the next connection instead of failing (each dead one is discarded, so this ends with a fresh connection),
   * unless `retry` is false: a lone INSERT whose answer was lost may have been committed. A transaction's first
   * statement is BEGIN, so transactions are always safe to retry.
   */
  private async withClient<T>(work: (lease: Lease) => Promise<T>, { retry = true } = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const lease = await this.acquire();
      try {
        return await work(lease);
      } catch (err) {
        const stale = lease.reused && lease.queries === 1 && lease.broken !== undefined && staleConnection(lease.broken);
        if (!(retry && stale && attempt < this.poolSize)) throw err;
      } finally {
        this.release(lease);
      }
    }
  }

  private async acquire(): Promise<Lease> {
    if (this.closed) throw new StoreUnavailableError('The store is closed.');
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw connectError(err);
    }
    // The pool listens for errors only while a client is idle. One that breaks while checked out (between the
    // statements of a transaction) emits 'error' too, which would crash the process if nobody listened.
    const lease: Lease = { client, reused: !this.fresh.delete(client), queries: 0, onError: (err) => { lease.broken ??= err; } };
    client.on('error', lease.onError);
    return lease;
  }

  private release(lease: Lease): void {
    lease.client.off('error', lease.onError);
    // release(err) destroys the connection; the pool opens a new one when needed.
    lease.client.release(lease.broken ?? false);
  }

  /** BEGIN … COMMIT around `work`; any error rolls back and is rethrown as it is (domain errors included). */
  private transaction<T>(work: (lease: Lease) => Promise<T>): Promise<T> {
    return this.withClient(async (lease) => {
      await this.run(lease, 'BEGIN');
      try {
        const result = await work(lease);
        await this.run(lease, 'COMMIT');
        return result;
      } catch (err) {
        // A broken session has no transaction left to roll back: the server ended it with the connection.
        if (!lease.broken) await this.run(lease, 'ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  private execute(lease: Lease, s: Statement, values: unknown[]): Promise<pg.QueryResult> {
    return this.run(lease, s.text, values, { name: s.name });
  }

  /** A list/count statement: prepared under a name while the connection has room, unnamed after that. */
  private runQuery(lease: Lease, text: string, values: unknown[]): Promise<pg.QueryResult> {
    let prepared = this.preparedQueries.get(lease.client);
    if (!prepared) this.preparedQueries.set(lease.client, (prepared = new Set()));
    const name = statementName(text);
    if (!prepared.has(name)) {
      if (prepared.size >= STATEMENT_CACHE_SIZE) return this.run(lease, text, values);
      prepared.add(name);
    }
    return this.run(lease, text, values, { name });
  }

  private async run(lease: Lease, text: string, values?: unknown[], options: RunOptions = {}): Promise<pg.QueryResult> {
    if (lease.broken) throw queryError(lease.broken);
    lease.queries++;
    const config: pg.QueryConfig & { query_timeout?: number } = { text, values };
    if (options.name !== undefined) config.name = options.name;
    if (options.timeoutMs !== undefined) config.query_timeout = options.timeoutMs;
    try {
      return await lease.client.query(config);
    } catch (err) {
      if (sessionLost(err)) lease.broken ??= err as Error;
      throw queryError(err);
    }
  }
}

/** COUNT(*) is a bigint, which pg returns as text. */
function firstNumber(result: pg.QueryResult): number {
  return Number(Object.values(result.rows[0] as Record<string, unknown>)[0]);
}
