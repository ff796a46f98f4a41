import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Opens the SQLite store's file (`:memory:` for throw-away stores) with the settings the store relies on:
 * exclusive locking, WAL, the chosen fsync level, foreign keys, and the checkpoint and cache sizes that
 * bench/ measured.
 */
export function openSqliteFile(path: string, synchronous: 'full' | 'normal'): Database.Database {
  if (path !== ':memory:') createPrivately(path);
  const db = new Database(path);
  if (path === ':memory:') {
    // In memory, every page of the database stays in SQLite's page cache, and a commit that follows a B-tree
    // page split scans that whole cache (pcache1TruncateUnsafe: the split briefly renumbers a page to the one
    // past the 1 GB lock byte, and pager_end_transaction then truncates the cache back). With 4 KB pages, one
    // per certificate row, a create's cost grew with the store's size (~40 µs at 5,000 certificates, ~140 µs at
    // 40,000); 16 KB pages make the cache four times smaller and keep it near-flat (~55 to ~75 µs). A file's
    // page cache is bounded (cache_size below), so the file store keeps SQLite's default page size.
    db.pragma('page_size = 16384');
  }
  // One process owns the file (several instances share PostgreSQL instead). Exclusive locking keeps the WAL
  // index in process memory instead of a shared-memory file with a lock per read: a read by key costs
  // ~1 µs instead of ~8 µs. It has to be set before the first access.
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('busy_timeout = 2000');
  try {
    db.pragma('journal_mode = WAL');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(`The SQLite database ${path} is in use by another process: ` +
        'pfxstore holds it exclusively; run several instances on PostgreSQL (--db postgres://…).', { cause: err });
    }
    throw err;
  }
  db.pragma(`synchronous = ${synchronous}`);
  // Checkpoint every ~40 MB of WAL rather than SQLite's default ~4 MB: a create dirties about eight pages, most
  // of them index pages that later creates dirty again, and a longer interval copies each of those into the
  // database once instead of over and over (-20% CPU per create, measured in bench/).
  db.pragma('wal_autocheckpoint = 10000');
  // A create inserts into seven indexes, four at random places; past a few thousand certificates they outgrow
  // SQLite's default 2 MB page cache and every insert reads its leaves back from the OS. 16 MB keeps about
  // 4,000 pages hot (-5% CPU per create in bench/) and stays well inside the memory budget.
  db.pragma('cache_size = -16000');
  db.pragma('foreign_keys = ON');
  return db;
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
