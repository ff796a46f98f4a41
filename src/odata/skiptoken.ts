import { createHash } from 'node:crypto';
import type { PropertyDef } from '../model/entity.js';
import { ValidationError } from '../model/errors.js';
import { formatBoundFilter } from './filter-format.js';
import type { KeyValue, ListQuery } from './list-query.js';

/**
 * `$skiptoken`: an opaque keyset position — base64url of `{"f": fingerprint, "k": [orderBy values…, sequence]}`,
 * the sort-key values of the last row of the previous page.
 *
 * The fingerprint (a short hash of the bound filter and the orderBy) ties a token to its query: reused with a
 * different `$filter`/`$orderby` it would point into another order, so it is refused. The token is not signed:
 * editing it can only move the position within the caller's own result set (the store scopes every query to the
 * tenant), and the values are bound as SQL parameters, never spliced. Garbage is a 400, never a crash.
 */
type TokenQuery = Pick<ListQuery, 'filter' | 'orderBy'>;

const MAX_TOKEN_LENGTH = 16_384;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** `lastKey`: the last returned row's sort-key values (store/sql-filter.ts `rowKeyValues`). */
export function encodeSkipToken(query: TokenQuery, lastKey: readonly unknown[]): string {
  return Buffer.from(JSON.stringify({ f: fingerprint(query), k: lastKey }), 'utf8').toString('base64url');
}

/** The position a token encodes, checked against the query it came with (count and type of every key value). */
export function decodeSkipToken(token: string, query: TokenQuery): KeyValue[] {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !BASE64URL.test(token)) throw invalid();
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof payload !== 'object' || payload === null) throw invalid();
  const { f, k } = payload as { f?: unknown; k?: unknown };
  if (typeof f !== 'string' || !Array.isArray(k)) throw invalid();
  if (f !== fingerprint(query)) {
    throw new ValidationError(
      'Invalid $skiptoken: it was issued for a different $filter or $orderby. Follow @odata.nextLink unchanged, or start again from the first page.');
  }
  const properties = query.orderBy.map((key) => key.property);
  if (k.length !== properties.length + 1) throw invalid();
  properties.forEach((property, i) => {
    if (!fitsProperty(k[i], property)) throw invalid();
  });
  if (!Number.isSafeInteger(k[properties.length])) throw invalid();
  return k as KeyValue[];
}

function fingerprint(query: TokenQuery): string {
  const order = query.orderBy.map((key) => `${key.property.name} ${key.direction}`).join(',');
  const filter = query.filter ? formatBoundFilter(query.filter) : '';
  return createHash('sha256').update(`${filter}\n${order}`).digest('base64url').slice(0, 11);
}

function fitsProperty(value: unknown, property: PropertyDef): boolean {
  if (value === null) return property.storedNullable;
  switch (property.kind) {
    case 'boolean': return typeof value === 'boolean';
    case 'enum':
    case 'int32': return Number.isSafeInteger(value);
    default: return typeof value === 'string';
  }
}

function invalid(): ValidationError {
  return new ValidationError('Invalid $skiptoken: it is not a token this service issued. Use the @odata.nextLink of the previous page as it is.');
}
