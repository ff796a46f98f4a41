import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Small files kept in `--data`: created once (atomically, private), then read back on every start, so a
 * restart and the CLI (`pfxstore token`) see the same keys.
 */
/**
 * `--data` holds the signing key, the at-rest key and the database: made 0700 at start, and narrowed to that if
 * it was made wider (by hand, or by an earlier version that let SQLite create it).
 */
export function preparePrivateDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}

export function readOrCreate(dataDir: string, name: string, create: () => string): string {
  const path = join(dataDir, name);
  const existing = readIfExists(dataDir, name);
  if (existing !== undefined) return existing;
  const content = create();
  writePrivate(path, content);
  // Two processes starting together both create; the first rename wins and both read the winner's file.
  return readFileSync(path, 'utf8');
}

export function readIfExists(dataDir: string, name: string): string | undefined {
  const path = join(dataDir, name);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

export function writePrivate(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  chmodSync(temp, 0o600);
  if (existsSync(path)) return; // lost the race: keep the first one
  renameSync(temp, path);
}
