import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { postgresFactory } from './postgres-factory.js';

/** A way to open a fresh, empty store for one test file, and to clean up after it. */
export interface StoreFactory {
  readonly name: 'sqlite' | 'postgres';
  open(dataDir: string): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

export const sqliteFactory: StoreFactory = {
  name: 'sqlite',
  async open(dataDir) {
    // A real file, as in production (not :memory:).
    return { store: new SqliteStore({ path: join(dataDir, 'pfxstore.db') }), cleanup: async () => {} };
  },
};

/**
 * The stores the integration suite runs against: SQLite always; PostgreSQL when reachable, and mandatory when
 * PFXSTORE_REQUIRE_POSTGRES=1 (CI), so a skipped PostgreSQL run cannot pass there.
 */
export async function storeFactories(): Promise<StoreFactory[]> {
  const pg = await postgresFactory();
  return pg ? [sqliteFactory, pg] : [sqliteFactory];
}
