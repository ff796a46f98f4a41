import { randomUUID } from 'node:crypto';

/** A GUID in its canonical hyphenated form (tenant ids, user ids, audit event ids), any case. */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then random bits. Ids that grow with time
 * are appended at the end of their index instead of landing on a random page of it, which matters for a table
 * that gets a row with every write (audit events).
 */
export function timeOrderedUuid(now = Date.now()): string {
  // randomUUID draws from Node's pooled random bytes; its variant bits and last 74 random bits are kept.
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
