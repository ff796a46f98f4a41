import { randomUUID } from 'node:crypto';

/** The hex digits of a GUID, 8-4-4-4-12, joined by `hyphen`: what the expressions below are made from. */
function guidSource(hyphen: string): string {
  return [8, 4, 4, 4, 12].map((n) => `[0-9a-fA-F]{${n}}`).join(hyphen);
}

/** A hyphenated GUID, unanchored (the $filter lexer matches it inside a query). */
export const GUID_SOURCE = guidSource('-');

/** The same with each hyphen optional: how clients write a user id inside a key (`{32 hex}` or hyphenated). */
export const GUID_ANY_HYPHENS_SOURCE = guidSource('-?');

/** A GUID in its canonical hyphenated form (tenant ids, user ids, audit event ids), any case. */
export const GUID = new RegExp(`^${GUID_SOURCE}$`);

export const GUID_ANY_HYPHENS = new RegExp(`^${GUID_ANY_HYPHENS_SOURCE}$`);

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
