import pg from 'pg';
import { StoreUnavailableError } from '../model/errors.js';
import { connectError, queryError, sessionLost, staleConnection } from './pg-errors.js';
import { statementName, type Statement } from './pg-statements.js';
import type { PostgresUrl } from './pg-url.js';

/**
 * The PostgreSQL store's connections: a pg.Pool, the lease of one connection to one call, and every statement
 * sent through it.
 *
 * Timeouts, so that no call outlives a bound: acquiring a connection (waiting for a free pool slot included)
 * gives up after `connectTimeoutMs`; the server cancels a statement after `statementTimeoutMs`
 * (statement_timeout, SQLSTATE 57014); the driver abandons a query whose answer never arrives (a dead network)
 * shortly after that (query_timeout), and the connection is then discarded. Every such failure is a
 * StoreUnavailableError (503 with Retry-After); the pool opens fresh connections on the next calls, so the
 * store recovers by itself when PostgreSQL is back.
 *
 * Statements run as named prepared statements (named by a hash of their text, so a name always means one
 * text), which PostgreSQL parses once per connection. Sessions run with plan_cache_mode=force_custom_plan: a
 * `$filter` range such as `expirationDateTime lt …` may match three rows or all of them, and a generic plan
 * chosen after five executions would keep serving the first shape's plan to every value.
 */
export interface ConnectionSettings {
  readonly url: PostgresUrl;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly onIdleError?: (err: Error) => void;
}

/** How much longer than statement_timeout the driver waits for an answer before declaring the connection dead. */
const READ_TIMEOUT_MARGIN_MS = 1000;
/** How many distinct list/count statements one connection keeps prepared; the rest run unnamed. */
const STATEMENT_CACHE_SIZE = 256;

/** A checked-out client, and the error that means it must not go back to the pool. */
export interface Lease {
  readonly client: pg.PoolClient;
  /** Was idle in the pool before (not connected for this call). */
  readonly reused: boolean;
  readonly onError: (err: Error) => void;
  /** Statements sent so far. */
  queries: number;
  broken?: Error;
}

export interface RunOptions {
  /** Prepared statement name; unnamed when absent. */
  readonly name?: string;
  /** Client-side read timeout for this query instead of the pool's. */
  readonly timeoutMs?: number;
}

export class PgConnections {
  /** Names of the list/count statements prepared on each connection, to bound what a connection keeps. */
  private readonly preparedQueries = new WeakMap<pg.PoolClient, Set<string>>();
  /** Clients connected and not yet handed out: the others have been idle in the pool and may have gone stale. */
  private readonly fresh = new WeakSet<pg.PoolClient>();
  private isClosed = false;

  private constructor(private readonly pool: pg.Pool, private readonly poolSize: number) {
    pool.on('connect', (client) => this.fresh.add(client));
  }

  /** The pool; it connects on first use. */
  static create(settings: ConnectionSettings): PgConnections {
    const { url, statementTimeoutMs } = settings;
    const startupOptions = [
      url.urlOptions,
      url.schema && `-c search_path=${url.schema}`,
      '-c plan_cache_mode=force_custom_plan',
    ].filter(Boolean).join(' ');
    const pool = new pg.Pool({
      connectionString: url.connectionString,
      max: settings.poolSize,
      connectionTimeoutMillis: settings.connectTimeoutMs,
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
    pool.on('error', (err) => settings.onIdleError?.(err));
    return new PgConnections(pool, settings.poolSize);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.pool.end();
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
  async withClient<T>(work: (lease: Lease) => Promise<T>, { retry = true } = {}): Promise<T> {
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

  /** BEGIN … COMMIT around `work`; any error rolls back and is rethrown as it is (domain errors included). */
  transaction<T>(work: (lease: Lease) => Promise<T>): Promise<T> {
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

  /** One of the fixed statements (pg-statements.ts), prepared under its name. */
  execute(lease: Lease, s: Statement, values: unknown[]): Promise<pg.QueryResult> {
    return this.run(lease, s.text, values, { name: s.name });
  }

  /** A list/count statement: prepared under a name while the connection has room, unnamed after that. */
  runQuery(lease: Lease, text: string, values: unknown[]): Promise<pg.QueryResult> {
    let prepared = this.preparedQueries.get(lease.client);
    if (!prepared) this.preparedQueries.set(lease.client, (prepared = new Set()));
    const name = statementName(text);
    if (!prepared.has(name)) {
      if (prepared.size >= STATEMENT_CACHE_SIZE) return this.run(lease, text, values);
      prepared.add(name);
    }
    return this.run(lease, text, values, { name });
  }

  async run(lease: Lease, text: string, values?: unknown[], options: RunOptions = {}): Promise<pg.QueryResult> {
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

  private async acquire(): Promise<Lease> {
    if (this.isClosed) throw new StoreUnavailableError('The store is closed.');
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
}
