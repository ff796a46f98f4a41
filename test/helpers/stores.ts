import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { postgresFactory } from './postgres-factory.js';

/** A way to open a fresh, empty store for one test file, and to clean up after it. */
export interface StoreFactory {
  readonly name: 'sqlite' | 'postgres' | 'memory';
  open(dataDir: string): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

export const sqliteFactory: StoreFactory = {
  name: 'sqlite',
  async open(dataDir) {
    // A real file, as in production (not :memory:).
    // synchronous=normal: the suite creates thousands of rows and fsync per commit would dominate its run time;
    // durability across a crash is tested on a real server with the default (full) in durability.test.ts.
    return { store: new SqliteStore({ path: join(dataDir, 'pfxstore.db'), synchronous: 'normal' }), cleanup: async () => {} };
  },
};

/** `serve --db memory`: the SQLite store on an in-memory database (open-store.ts). */
export const memoryFactory: StoreFactory = {
  name: 'memory',
  async open() {
    return { store: new SqliteStore({ path: ':memory:' }), cleanup: async () => {} };
  },
};

/**
 * The stores the integration suite runs against: SQLite and memory always; PostgreSQL when reachable, and mandatory
 * when PFXSTORE_REQUIRE_POSTGRES=1 (CI), so a skipped PostgreSQL run cannot pass there.
 */
export async function storeFactories(): Promise<StoreFactory[]> {
  const pg = await postgresFactory();
  return pg ? [sqliteFactory, memoryFactory, pg] : [sqliteFactory, memoryFactory];
}
