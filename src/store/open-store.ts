import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/** What `serve` says about the store: `--db` and the PostgreSQL settings. */
export interface StoreConfig {
  /** `sqlite:<path>`, `postgres://…`, or `memory`. */
  readonly dbUrl: string;
  readonly pgPoolSize: number;
  readonly pgStatementTimeoutMs: number;
  readonly pgConnectTimeoutMs: number;
}

/** The one place a store implementation is chosen, from `--db`. */
export async function openStore(config: StoreConfig): Promise<Store> {
  // `memory`: the SQLite store on an in-memory database — the same SQL, so the same behaviour in every respect,
  // with nothing written for the records and nothing left when the process ends (a test double's store).
  if (config.dbUrl === 'memory') return new SqliteStore({ path: ':memory:' });
  if (config.dbUrl.startsWith('sqlite:')) {
    return new SqliteStore({ path: config.dbUrl.slice('sqlite:'.length) });
  }
  // Loaded on demand: an embedded deployment never loads the pg driver.
  const { PostgresStore } = await import('./postgres.js');
  return PostgresStore.open({
    url: config.dbUrl,
    poolSize: config.pgPoolSize,
    statementTimeoutMs: config.pgStatementTimeoutMs,
    connectTimeoutMs: config.pgConnectTimeoutMs,
  });
}
