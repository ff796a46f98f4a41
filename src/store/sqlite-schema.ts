import Database from 'better-sqlite3';
import { sqliteMigrations } from './migrations/sqlite.js';

/** Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction. */
export function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  for (const migration of sqliteMigrations) {
    if (applied.has(migration.version)) continue;
    // The file is held exclusively, so no other process can be migrating it at the same time.
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(migration.version, new Date().toISOString());
    })();
  }
}

let migratedImage: Buffer | undefined;

/**
 * An empty database with every migration applied, serialized: what each memory store is opened from. Running
 * the schema's DDL costs ~0.5 ms a store and copying this ~0.02 ms, and a test suite opens many (startPfxstore).
 */
export function migratedMemoryImage(): Buffer {
  if (!migratedImage) {
    const db = new Database(':memory:');
    // In memory, every page of the database stays in SQLite's page cache, and a commit that follows a B-tree
    // page split scans that whole cache (pcache1TruncateUnsafe: the split briefly renumbers a page to the one
    // past the 1 GB lock byte, and pager_end_transaction then truncates the cache back). With 4 KB pages, one
    // per certificate row, a create's cost grew with the store's size (~40 µs at 5,000 certificates, ~140 µs at
    // 40,000); 16 KB pages make the cache four times smaller and keep it near-flat (~55 to ~75 µs). A file's
    // page cache is bounded (sqlite-file.ts: cache_size), so the file store keeps SQLite's default page size.
    // Set before the first table: the copies every memory store is opened from keep it.
    db.pragma('page_size = 16384');
    migrate(db);
    migratedImage = db.serialize();
    db.close();
  }
  return migratedImage;
}
