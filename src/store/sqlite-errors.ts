import { ConflictError, StoreUnavailableError } from '../model/errors.js';

/** SQLite's constraint and I/O failures as domain errors, by result code; anything else passes unchanged. */
export function translateError(err: unknown): unknown {
  const code = (err as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY')) {
    return new ConflictError('duplicate', 'An entity with the same key already exists.');
  }
  if (code.startsWith('SQLITE_CONSTRAINT_FOREIGNKEY')) {
    return new ConflictError('reference', 'Other entities still refer to this one.');
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_FULL') {
    return new StoreUnavailableError(`The database is unavailable (${code}).`);
  }
  return err;
}
