/**
 * A minimal, bounds-checked ASN.1 reader (X.690) for the few structures pfxstore reads:
 * PKCS#12 (RFC 7292), PKCS#8 (RFC 5208), X.509 validity and the extensions import checks (RFC 5280).
 *
 * Strict where it protects us, lenient where real producers differ:
 * - every length is checked against the bytes actually available, so hostile input throws a
 *   `DerError` and never reads out of range;
 * - nesting depth is capped and nothing recurses on attacker-controlled depth without that cap;
 * - BER indefinite lengths and constructed OCTET STRINGs are accepted, because PKCS#12 files from
 *   Windows, Java keytool and BouncyCastle use them (OpenSSL 3 itself writes DER);
 * - high-tag-number identifiers (tag number ≥ 31) are refused: no structure read here uses them.
 *
 * Pure (Uint8Array, no Node API): the browser console opens PFX files with it too.
 */

import { concatBytes, latin1Text } from './bytes.js';

export class DerError extends Error {
  override name = 'DerError';
  constructor(
    readonly reason: string,
    readonly offset?: number,
  ) {
    super(offset === undefined ? reason : `${reason} (at byte ${offset})`);
  }
}

/** Identifier octets of the universal and context tags used by pfxstore. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0] constructed: EXPLICIT [0] (ContentInfo.content, SafeBag.bagValue). */
  CONTEXT_0: 0xa0,
  /** [0] primitive: IMPLICIT [0] OCTET STRING (EncryptedContentInfo.encryptedContent). */
  CONTEXT_0_PRIMITIVE: 0x80,
  /** [3] constructed: TBSCertificate.extensions (RFC 5280 §4.1). */
  CONTEXT_3: 0xa3,
} as const;

const CONSTRUCTED = 0x20;

/** Deep enough for every legitimate PKCS#12/X.509 file, shallow enough to stop hostile nesting. */
export const MAX_DEPTH = 32;

/** One TLV. Offsets index `buf`; for an indefinite length `contentEnd` is the end-of-contents marker. */
export interface DerNode {
  readonly buf: Uint8Array;
  readonly tag: number;
  readonly constructed: boolean;
  readonly indefinite: boolean;
  readonly start: number;
  readonly contentStart: number;
  readonly contentEnd: number;
  readonly end: number;
}

interface Header {
  tag: number;
  contentStart: number;
  /** -1 for an indefinite length. */
  length: number;
}

/** Reads identifier and length octets only; never looks past `limit`. */
function readHeader(buf: Uint8Array, offset: number, limit: number): Header {
  if (offset >= limit) throw new DerError('unexpected end of data: an element was expected', offset);
  const tag = buf[offset];
  if (tag === 0x00) throw new DerError('unexpected end-of-contents marker', offset);
  if ((tag & 0x1f) === 0x1f) throw new DerError('high-tag-number identifiers are not supported', offset);
  if (offset + 1 >= limit) throw new DerError('truncated: the element has no length octet', offset);
  const first = buf[offset + 1];
  let pos = offset + 2;
  let length = first;
  if (first === 0x80) {
    // X.690 §8.1.3.6: the indefinite form is only for constructed encodings.
    if ((tag & CONSTRUCTED) === 0) throw new DerError('indefinite length on a primitive element', offset);
    return { tag, contentStart: pos, length: -1 };
  }
  if (first > 0x80) {
    const count = first & 0x7f;
    // 4 length octets already describe 4 GiB, far beyond any input we accept.
    if (count > 4) throw new DerError(`a ${count}-octet length field is not supported`, offset);
    if (pos + count > limit) throw new DerError('truncated: the length field runs past the end', offset);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++];
  }
  if (length > limit - pos) {
    throw new DerError(`truncated: the element declares ${length} bytes but only ${limit - pos} remain`, offset);
  }
  return { tag, contentStart: pos, length };
}

/**
 * Finds the end-of-contents marker of an indefinite-length element iteratively (an explicit depth
 * counter instead of recursion), so hostile nesting cannot exhaust the stack.
 */
function findIndefiniteEnd(buf: Uint8Array, contentStart: number, limit: number): number {
  let depth = 1;
  let pos = contentStart;
  for (;;) {
    if (pos + 2 > limit) throw new DerError('truncated: an indefinite-length element has no end-of-contents marker', pos);
    if (buf[pos] === 0x00) {
      if (buf[pos + 1] !== 0x00) throw new DerError('malformed end-of-contents marker', pos);
      depth--;
      if (depth === 0) return pos;
      pos += 2;
      continue;
    }
    const child = readHeader(buf, pos, limit);
    if (child.length < 0) {
      depth++;
      if (depth > MAX_DEPTH) throw new DerError(`nesting deeper than ${MAX_DEPTH} levels`, pos);
      pos = child.contentStart;
    } else {
      pos = child.contentStart + child.length;
    }
  }
}

/** Reads the element starting at `offset`, which must end at or before `limit`. */
export function readNode(buf: Uint8Array, offset = 0, limit = buf.length): DerNode {
  const header = readHeader(buf, offset, limit);
  const constructed = (header.tag & CONSTRUCTED) !== 0;
  if (header.length >= 0) {
    const contentEnd = header.contentStart + header.length;
    return { buf, tag: header.tag, constructed, indefinite: false, start: offset, contentStart: header.contentStart, contentEnd, end: contentEnd };
  }
  const contentEnd = findIndefiniteEnd(buf, header.contentStart, limit);
  return { buf, tag: header.tag, constructed, indefinite: true, start: offset, contentStart: header.contentStart, contentEnd, end: contentEnd + 2 };
}

const TAG_NAMES: Record<number, string> = {
  0x01: 'BOOLEAN',
  0x02: 'INTEGER',
  0x03: 'BIT STRING',
  0x04: 'OCTET STRING',
  0x05: 'NULL',
  0x06: 'OBJECT IDENTIFIER',
  0x0c: 'UTF8String',
  0x13: 'PrintableString',
  0x16: 'IA5String',
  0x17: 'UTCTime',
  0x18: 'GeneralizedTime',
  0x1e: 'BMPString',
  0x24: 'OCTET STRING (constructed)',
  0x30: 'SEQUENCE',
  0x31: 'SET',
};

/** A readable name for an identifier octet, for error messages. */
export function tagName(tag: number): string {
  const known = TAG_NAMES[tag];
  if (known !== undefined) return known;
  if ((tag & 0xc0) === 0x80) return `[${tag & 0x1f}]${tag & CONSTRUCTED ? '' : ' (primitive)'}`;
  return `tag 0x${tag.toString(16).padStart(2, '0')}`;
}

/** Walks the elements of a range (a constructed element's contents, or a whole buffer) in order. */
export class DerReader {
  private pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  get offset(): number {
    return this.pos;
  }

  peekTag(): number | undefined {
    return this.done ? undefined : this.buf[this.pos];
  }

  next(what: string): DerNode {
    if (this.done) throw new DerError(`${what} is missing`, this.pos);
    const node = readNode(this.buf, this.pos, this.end);
    this.pos = node.end;
    return node;
  }

  expect(tag: number, what: string): DerNode {
    if (this.done) throw new DerError(`${what} is missing`, this.pos);
    const actual = this.buf[this.pos];
    if (actual !== tag) throw new DerError(`${what}: expected ${tagName(tag)}, found ${tagName(actual)}`, this.pos);
    return this.next(what);
  }

  /** The next element if it carries `tag`, else undefined (for OPTIONAL and DEFAULT fields). */
  optional(tag: number, what: string): DerNode | undefined {
    return this.peekTag() === tag ? this.next(what) : undefined;
  }

  /** An OCTET STRING's contents, primitive or (BER) constructed. */
  octets(what: string): Uint8Array {
    const tag = this.peekTag();
    if (tag === (Tag.OCTET_STRING | CONSTRUCTED)) return readOctets(this.next(what), what);
    return readOctets(this.expect(Tag.OCTET_STRING, what), what);
  }

  finish(what: string): void {
    if (!this.done) throw new DerError(`${what}: unexpected ${tagName(this.buf[this.pos])} after the last field`, this.pos);
  }
}

/** A reader over a constructed element's contents. */
export function children(node: DerNode, what: string): DerReader {
  if (!node.constructed) throw new DerError(`${what}: expected a constructed element`, node.start);
  return new DerReader(node.buf, node.contentStart, node.contentEnd);
}

/** The element's whole encoding (identifier, length, contents). */
export function encoding(node: DerNode): Uint8Array {
  return node.buf.subarray(node.start, node.end);
}

/** Dotted-decimal OBJECT IDENTIFIER (X.690 §8.19). */
export function readOid(node: DerNode, what: string): string {
  if (node.tag !== Tag.OID) throw new DerError(`${what}: expected OBJECT IDENTIFIER, found ${tagName(node.tag)}`, node.start);
  const { buf, contentStart, contentEnd } = node;
  // No OID used in PKCS#12 comes near 64 bytes; the cap bounds the work on hostile input.
  if (contentEnd === contentStart || contentEnd - contentStart > 64) {
    throw new DerError(`${what}: OBJECT IDENTIFIER of ${contentEnd - contentStart} bytes`, node.start);
  }
  const arcs: number[] = [];
  let value = 0;
  let groupStart = true;
  for (let i = contentStart; i < contentEnd; i++) {
    const byte = buf[i];
    if (groupStart && byte === 0x80) throw new DerError(`${what}: non-minimal OBJECT IDENTIFIER arc`, i);
    groupStart = false;
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError(`${what}: OBJECT IDENTIFIER arc too large`, i);
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) {
        // The first sub-identifier packs the first two arcs (X.690 §8.19.4).
        const top = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(top, value - top * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
      groupStart = true;
    }
  }
  if (!groupStart) throw new DerError(`${what}: OBJECT IDENTIFIER ends inside an arc`, contentEnd - 1);
  return arcs.join('.');
}

/** A non-negative INTEGER no larger than `max` (versions, iteration counts, key lengths). */
export function readSmallInt(node: DerNode, what: string, max = 0x7fffffff): number {
  if (node.tag !== Tag.INTEGER) throw new DerError(`${what}: expected INTEGER, found ${tagName(node.tag)}`, node.start);
  const { buf, contentStart, contentEnd } = node;
  if (contentEnd === contentStart) throw new DerError(`${what}: empty INTEGER`, node.start);
  if (buf[contentStart] & 0x80) throw new DerError(`${what}: negative INTEGER`, node.start);
  let value = 0;
  for (let i = contentStart; i < contentEnd; i++) {
    value = value * 256 + buf[i];
    if (value > max) throw new DerError(`${what}: value exceeds ${max}`, node.start);
  }
  return value;
}

/**
 * OCTET STRING contents (or those of an IMPLICIT OCTET STRING such as `[0]`), whatever the tag.
 * A constructed string (BER, X.690 §8.7.3) is the concatenation of its OCTET STRING segments.
 */
export function readOctets(node: DerNode, what: string, depth = 0): Uint8Array {
  if (!node.constructed) return node.buf.subarray(node.contentStart, node.contentEnd);
  if (depth > 8) throw new DerError(`${what}: constructed OCTET STRING nested too deeply`, node.start);
  const parts: Uint8Array[] = [];
  const reader = children(node, what);
  while (!reader.done) {
    const tag = reader.peekTag()!;
    if (tag !== Tag.OCTET_STRING && tag !== (Tag.OCTET_STRING | CONSTRUCTED)) {
      throw new DerError(`${what}: a constructed OCTET STRING segment is a ${tagName(tag)}`, reader.offset);
    }
    parts.push(readOctets(reader.next(what), what, depth + 1));
  }
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}

/** BMPString (UTF-16BE), used by PKCS#9 friendlyName. */
export function readBmpString(node: DerNode, what: string): string {
  const bytes = readOctets(node, what);
  if (bytes.length % 2 !== 0) throw new DerError(`${what}: BMPString of odd length`, node.start);
  let text = '';
  for (let i = 0; i < bytes.length; i += 2) text += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
  return text;
}

const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?Z$/;

/** UTCTime or GeneralizedTime in the forms RFC 5280 §4.1.2.5 allows for certificate validity. */
export function readTime(node: DerNode, what: string): Date {
  if (node.constructed || node.contentEnd - node.contentStart > 32) {
    throw new DerError(`${what}: malformed time`, node.start);
  }
  const text = latin1Text(node.buf, node.contentStart, node.contentEnd);
  let match: RegExpExecArray | null;
  let year: number;
  let fraction = 0;
  if (node.tag === Tag.UTC_TIME && (match = UTC_TIME.exec(text))) {
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 §4.1.2.5.1
  } else if (node.tag === Tag.GENERALIZED_TIME && (match = GENERALIZED_TIME.exec(text))) {
    year = Number(match[1]);
    if (match[7]) fraction = Math.floor(Number(`0.${match[7]}`) * 1000);
  } else {
    throw new DerError(`${what}: expected UTCTime or GeneralizedTime in UTC, found ${tagName(node.tag)} "${text}"`, node.start);
  }
  const [, , mo, d, h, mi, s] = match.map(Number);
  const ms = Date.UTC(year, mo - 1, d, h, mi, s, fraction);
  const date = new Date(ms);
  // Date.UTC silently rolls 31 February over; a certificate with such a date is malformed.
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new DerError(`${what}: invalid date "${text}"`, node.start);
  }
  if (year < 100) date.setUTCFullYear(year); // Date.UTC maps years 0–99 to 1900–1999
  return date;
}

/** An X.509/PKCS AlgorithmIdentifier: SEQUENCE { algorithm OID, parameters ANY OPTIONAL } (RFC 5280 §4.1.1.2). */
export interface AlgorithmIdentifier {
  readonly oid: string;
  readonly params: DerNode | undefined;
}

export function readAlgorithmIdentifier(node: DerNode, what: string): AlgorithmIdentifier {
  if (node.tag !== Tag.SEQUENCE) throw new DerError(`${what}: expected SEQUENCE, found ${tagName(node.tag)}`, node.start);
  const reader = children(node, what);
  const oid = readOid(reader.expect(Tag.OID, `${what} algorithm`), `${what} algorithm`);
  const params = reader.done ? undefined : reader.next(`${what} parameters`);
  reader.finish(what);
  return { oid, params };
}
