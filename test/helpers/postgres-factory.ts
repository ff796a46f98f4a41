import type { StoreFactory } from './stores.js';

/** Filled in with the PostgreSQL store. */
export async function postgresFactory(): Promise<StoreFactory | undefined> {
  return undefined;
}
