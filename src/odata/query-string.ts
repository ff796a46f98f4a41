import { ValidationError } from '../model/errors.js';

/**
 * The raw query string, read the way Graph clients actually send it:
 * - split on `&` only — the Graph JS client leaves `'`, `(`, `,`, spaces un-encoded, so nothing else may split;
 * - `+` is a space, `%XX` runs are UTF-8, and a `%` that starts no escape is kept as is (`contains(x,'100%')`
 *   sent un-encoded must not fail);
 * - names are case-insensitive and the `$` of a system option is optional (`filter=` = `$filter=`).
 * One exception to the plain split: a `$filter` whose quotes do not balance is re-joined with the following
 * parts until they do, so an un-encoded `&` inside a string literal (`displayName eq 'A&B'`) survives. A valid
 * filter always has an even number of quotes, so this never changes the meaning of a correct query.
 */
export interface QueryPart {
  /** Name as decoded, e.g. `$Filter`. */
  readonly written: string;
  /** System options: lower case, without `$` (`filter`); other options: undefined. */
  readonly system?: string;
  readonly value: string;
}

/** The system query options recognised without their `$` prefix. */
const SYSTEM_NAMES: ReadonlySet<string> = new Set([
  'filter', 'select', 'orderby', 'top', 'skip', 'count', 'skiptoken', 'expand', 'search', 'apply', 'compute', 'format',
]);

export function splitQuery(rawQuery: string): QueryPart[] {
  const raw = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  if (raw === '') return [];
  const pieces = raw.split('&');
  const parts: QueryPart[] = [];
  for (let i = 0; i < pieces.length; i++) {
    if (pieces[i] === '') continue;
    const part = toPart(pieces[i]);
    const end = part.system === 'filter' ? balancingEnd(pieces, i) : i;
    parts.push(end === i ? part : toPart(pieces.slice(i, end + 1).join('&')));
    i = end;
  }
  return parts;
}

/**
 * The index of the piece that closes the last string literal opened in `pieces[start]`, or `start` when the quotes
 * balance already or never do. Counting per piece keeps this linear in the query length.
 */
function balancingEnd(pieces: readonly string[], start: number): number {
  let quotes = quoteCount(pieces[start]);
  for (let j = start + 1; quotes % 2 === 1 && j < pieces.length; j++) {
    quotes += quoteCount(pieces[j]);
    if (quotes % 2 === 0) return j;
  }
  return start;
}

/** Quotes after decoding: literal `'` and `%27` (no other escape decodes to 0x27, UTF-8 continuation bytes included). */
function quoteCount(raw: string): number {
  return (raw.match(/'|%27/gi) ?? []).length;
}

/**
 * The query string for `@odata.nextLink`: the request's own options, re-encoded, minus `$skip` (already applied:
 * the token carries the position) and any old `$skiptoken`, plus the new token.
 */
export function nextLinkQuery(rawQuery: string, skipToken: string): string {
  const kept = splitQuery(rawQuery)
    .filter((p) => p.system !== 'skip' && p.system !== 'skiptoken')
    .map((p) => `${p.system ? `$${p.system}` : encode(p.written)}=${encode(p.value)}`);
  return [...kept, `$skiptoken=${skipToken}`].join('&');
}

function toPart(piece: string): QueryPart {
  const eq = piece.indexOf('=');
  const written = decode(eq < 0 ? piece : piece.slice(0, eq));
  const value = eq < 0 ? '' : decode(piece.slice(eq + 1));
  const lower = written.toLowerCase();
  const system = lower.startsWith('$') ? lower.slice(1) : SYSTEM_NAMES.has(lower) ? lower : undefined;
  return system === undefined ? { written, value } : { written, system, value };
}

const ESCAPE_RUN = /(?:%[0-9a-fA-F]{2})+/g;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(text: string): string {
  return text.replaceAll('+', ' ').replace(ESCAPE_RUN, (run) => {
    try {
      return utf8.decode(Buffer.from(run.replaceAll('%', ''), 'hex'));
    } catch {
      throw new ValidationError(`The query string contains '${run.slice(0, 30)}', which is not percent-encoded UTF-8.`);
    }
  });
}

/** Keeps the characters OData queries are usually written with readable; everything else is percent-encoded. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/%2C|%24|%3A/g, (e) => decodeURIComponent(e));
}
