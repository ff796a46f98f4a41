/** A GUID in its canonical hyphenated form (tenant ids, user ids, audit event ids), any case. */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
