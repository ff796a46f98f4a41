import pg from 'pg';
import { ConflictError, DomainError, StoreUnavailableError } from '../model/errors.js';

/**
 * PostgreSQL and driver failures → domain errors, decided by SQLSTATE or Node's socket error code, never by
 * message text. SQLSTATEs: https://www.postgresql.org/docs/current/errcodes-appendix.html
 *
 * Three origins:
 * - the server answered with an error (pg's DatabaseError, which carries the SQLSTATE in `code`);
 * - the driver gave up without an answer: a socket error (`ECONNRESET`, …), "Connection terminated
 *   unexpectedly", the client-side `query_timeout` — plain Errors, recognised by where they were thrown
 *   (`driverFailure`), not by their text;
 * - acquiring a connection failed (refused, pool connect timeout, authentication): always "unavailable".
 */

/** SQLSTATEs after which the database may well answer again in a moment: a 503 with Retry-After, not a 500. */
const TRANSIENT_STATES: readonly RegExp[] = [
  /^08/, // connection exception
  /^53/, // insufficient resources (too many connections, disk full, out of memory)
  /^57P0[1-4]$/, // admin shutdown, crash shutdown, cannot connect now (starting up), database dropped
  /^57014$/, // query_canceled: statement_timeout
  /^55P03$/, // lock_not_available: lock_timeout
  /^40001$|^40P01$/, // serialization failure, deadlock detected
  /^25P03$/, // idle_in_transaction_session_timeout
  /^58/, // system error (I/O)
];

/** SQLSTATEs after which the session is gone or in doubt: the pooled client must be discarded. */
const SESSION_LOST_STATES: readonly RegExp[] = [/^08/, /^57P0[1-4]$/, /^25P03$/, /^58/];

/** Node socket error codes of a connection that failed or broke. */
const SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL',
]);

/** The SQLSTATE of an error the server sent, else undefined. */
export function sqlState(err: unknown): string | undefined {
  return err instanceof pg.DatabaseError ? err.code : undefined;
}

/** Whether a client that saw this error while querying must not go back to the pool. */
export function sessionLost(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined) return SESSION_LOST_STATES.some((re) => re.test(state));
  // Anything else the driver raised mid-query (socket error, read timeout, terminated connection) leaves the
  // protocol state unknown; a domain error thrown by our own code between queries does not touch it.
  return !(err instanceof DomainError);
}

/**
 * Whether the connection was already dead when the statement reached it: the server ended the session
 * (it says so with a SQLSTATE) or the socket was closed. Not a read timeout: that statement may be running.
 */
export function staleConnection(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined) return SESSION_LOST_STATES.some((re) => re.test(state));
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * An error from `client.query()` → the domain error to throw, or the error itself when it is a bug
 * (a syntax error in our SQL must surface as a 500, not hide behind a 503).
 */
export function queryError(err: unknown): unknown {
  if (err instanceof DomainError) return err;
  const state = sqlState(err);
  if (state === '23505') return new ConflictError('duplicate', 'An entity with the same key already exists.', { cause: err });
  if (state === '23503') return new ConflictError('reference', 'Other entities still refer to this one.', { cause: err });
  if (state !== undefined) {
    return TRANSIENT_STATES.some((re) => re.test(state)) ? unavailable(`SQLSTATE ${state}`, err) : err;
  }
  if (isProgrammingError(err)) return err;
  const code = (err as { code?: unknown } | null)?.code;
  return unavailable(typeof code === 'string' && SOCKET_CODES.has(code) ? code : 'connection lost', err);
}

/** An error from acquiring a connection (refused, unreachable, pool connect timeout, authentication) → 503. */
export function connectError(err: unknown): StoreUnavailableError {
  const state = sqlState(err);
  const code = (err as { code?: unknown } | null)?.code;
  const reason = state !== undefined ? `SQLSTATE ${state}`
    : typeof code === 'string' && SOCKET_CODES.has(code) ? code
    : 'no connection within the connect timeout';
  return unavailable(reason, err);
}

function unavailable(reason: string, cause: unknown): StoreUnavailableError {
  return new StoreUnavailableError(`The database is unavailable (${reason}).`, { cause });
}

function isProgrammingError(err: unknown): boolean {
  return err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError || err instanceof ReferenceError;
}
