import { parseDateTimeOffset } from '../model/datetime.js';
import { filterError, quoteInput } from './filter-errors.js';
import { GUID_SOURCE } from '../model/guid.js';

/**
 * `$filter` lexer: text → tokens, in one iterative pass (no recursion, so input size cannot exhaust the stack).
 * Literal forms follow the OData 4.01 ABNF as Graph uses it: `'string'` with `''` for a quote, unquoted
 * DateTimeOffset and GUID, numbers, and `Namespace.EnumType'member'` (lexed as a `typedLiteral`).
 */
export type TokenKind =
  | 'lparen' | 'rparen' | 'comma'
  | 'string' | 'number' | 'dateTimeOffset' | 'guid' | 'typedLiteral'
  | 'identifier' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** 0-based offset of the token's first character. */
  readonly position: number;
  /** The token as written. */
  readonly text: string;
  /** string/typedLiteral: unescaped content; number: its value; dateTimeOffset: stored form; guid: lower case. */
  readonly value?: string | number;
  /** typedLiteral only: the type name before the quote. */
  readonly typeName?: string;
}

// Sticky (`y`) expressions match exactly at `lastIndex`, so the lexer never scans ahead of the token it reads.
// The date's zone may be a space: an un-encoded `+02:00` arrives as ` 02:00` once `+` is decoded as a space.
const DATE = /(\d{4}-\d{2}-\d{2})(?:([Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:\d{2}| \d{2}:\d{2})?)?/y;
const GUID = new RegExp(GUID_SOURCE, 'y');
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const WORD_CHAR = /[A-Za-z0-9_.]/;
const WHITESPACE = /[ \t\r\n]/;
const OPERATOR_WORD = /^(?:eq|ne|gt|ge|lt|le|and|or|not|in)$/i;

/** What people coming from SQL or C-like languages type, and what OData spells instead. */
const OPERATOR_HINTS: Record<string, string> = {
  '=': "use 'eq' to compare",
  '!': "use 'ne' or 'not'",
  '<': "use 'lt' or 'le'",
  '>': "use 'gt' or 'ge'",
  '&': "use 'and' (an '&' inside a string literal must be percent-encoded as %26)",
  '|': "use 'or'",
  '"': "string literals are enclosed in single quotes: 'text'",
  '/': 'property paths and lambda operators (any/all) are not supported here',
};

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const ch = text[pos];
    if (WHITESPACE.test(ch)) {
      pos++;
      continue;
    }
    const token = readToken(text, pos);
    tokens.push(token);
    pos += token.text.length;
  }
  tokens.push({ kind: 'end', position: text.length, text: '' });
  return tokens;
}

function readToken(text: string, pos: number): Token {
  const ch = text[pos];
  if (ch === '(') return { kind: 'lparen', position: pos, text: ch };
  if (ch === ')') return { kind: 'rparen', position: pos, text: ch };
  if (ch === ',') return { kind: 'comma', position: pos, text: ch };
  if (ch === "'") return readString(text, pos);
  return readDate(text, pos) ?? readGuid(text, pos) ?? readNumber(text, pos) ?? readIdentifier(text, pos) ??
    unexpectedCharacter(text, pos);
}

/** `'it''s'` → `it's`. An unterminated literal is reported at its opening quote, where the mistake usually is. */
function readString(text: string, start: number): Token {
  let value = '';
  let pos = start + 1;
  for (;;) {
    const close = text.indexOf("'", pos);
    if (close < 0) throw filterError(start, "unterminated string literal: the closing quote is missing (write '' for a quote inside a string)");
    value += text.slice(pos, close);
    if (text[close + 1] === "'") {
      value += "'";
      pos = close + 2;
      continue;
    }
    return { kind: 'string', position: start, text: text.slice(start, close + 1), value };
  }
}

function readDate(text: string, pos: number): Token | undefined {
  const m = matchAt(DATE, text, pos);
  if (!m) return undefined;
  const [whole, date, time, zone] = m;
  if (!time) {
    throw filterError(pos, `${quoteInput(date)} is a date without a time; write a DateTimeOffset such as ${date}T00:00:00Z`);
  }
  if (!zone) {
    throw filterError(pos, `DateTimeOffset ${quoteInput(whole)} needs 'Z' or an offset such as +02:00`);
  }
  const normalized = zone.startsWith(' ') ? `${date}${time}+${zone.slice(1)}` : whole;
  const stored = parseDateTimeOffset(normalized);
  if (stored === undefined) {
    throw filterError(pos, `${quoteInput(whole)} is not a valid DateTimeOffset (at most 7 fractional digits; month, day, hour and offset in range)`);
  }
  return checkDelimited(text, { kind: 'dateTimeOffset', position: pos, text: whole, value: stored });
}

function readGuid(text: string, pos: number): Token | undefined {
  const m = matchAt(GUID, text, pos);
  if (!m || WORD_CHAR.test(text[pos + m[0].length] ?? '') || text[pos + m[0].length] === '-') return undefined;
  return { kind: 'guid', position: pos, text: m[0], value: m[0].toLowerCase() };
}

function readNumber(text: string, pos: number): Token | undefined {
  const m = matchAt(NUMBER, text, pos);
  if (!m) return undefined;
  const value = Number(m[0]);
  if (!Number.isFinite(value)) throw filterError(pos, `number ${quoteInput(m[0])} is out of range`);
  return checkDelimited(text, { kind: 'number', position: pos, text: m[0], value });
}

/**
 * An identifier directly followed by a quote is a typed literal: `microsoft.graph.userPfxIntendedPurpose'vpn'`.
 * Operator words are the exception, so `thumbprint eq'ab12'` (no space) still reads as a comparison.
 */
function readIdentifier(text: string, pos: number): Token | undefined {
  const m = matchAt(IDENTIFIER, text, pos);
  if (!m) return undefined;
  const name = m[0];
  if (text[pos + name.length] !== "'" || OPERATOR_WORD.test(name)) return { kind: 'identifier', position: pos, text: name };
  const literal = readString(text, pos + name.length);
  return { kind: 'typedLiteral', position: pos, text: name + literal.text, value: literal.value, typeName: name };
}

/** `12abc` or `2027-01-01T00:00:00Zx` must not silently split into two tokens. */
function checkDelimited(text: string, token: Token): Token {
  const next = text[token.position + token.text.length];
  if (next !== undefined && WORD_CHAR.test(next)) {
    throw filterError(token.position + token.text.length,
      `unexpected character '${next}' directly after ${quoteInput(token.text)}`);
  }
  return token;
}

function unexpectedCharacter(text: string, pos: number): never {
  const ch = text[pos];
  const hint = OPERATOR_HINTS[ch];
  throw filterError(pos, `unexpected character '${ch}'${hint ? `; ${hint}` : ''}`);
}

function matchAt(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(text);
}

/** How a token is named in messages. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end': return 'the end of the expression';
    case 'string': return `string literal ${quoteInput(token.text.slice(1, -1))}`;
    default: return quoteInput(token.text);
  }
}
