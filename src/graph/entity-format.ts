import { formatDateTimeOffset } from '../model/datetime.js';
import type { EntityDef, PropertyDef } from '../model/entity.js';
import type { CachedRow, Row } from '../store/store.js';

export interface FormatOptions {
  /** Properties to write (`$select`); all when undefined. */
  readonly select?: readonly PropertyDef[];
  /**
   * Secret properties in their wire form, when the caller may see them (the service decrypts them);
   * undefined writes them as null (CONTRACT §4.6).
   */
  readonly secrets?: Readonly<Record<string, unknown>>;
  /** Write `@odata.type` first, as Graph does for Intune entities. */
  readonly withType?: boolean;
}

/** Stored form → the JSON Graph clients read: dates in UTC with Z, enums by name, binary as base64. */
export function formatEntity(entity: EntityDef, row: Row, options: FormatOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = options.withType ? { '@odata.type': entity.odataType } : {};
  // `id` is always returned, with or without $select, as Graph does.
  const properties = options.select ? entity.properties.filter((p) => p.name === 'id' || options.select!.includes(p)) : entity.properties;
  for (const p of properties) {
    out[p.name] = p.secret ? options.secrets?.[p.name] ?? null : toWire(p, row[p.name]);
  }
  return out;
}

/**
 * One entity as a response body: `@odata.context` first, then the members of formatEntity. A row the store holds
 * in memory (a CachedRow, store/store.ts) has room for its body: the full public body is kept there, in bytes, for
 * the last context URL it was sent with, so an entity read again is neither formatted nor encoded again. Any other
 * row's body is sent once, so it stays text: Node writes it with the headers in one write, where bytes would be
 * one more copy (a fresh allocation past 4 KB, as a certificate with its secrets is) and a second chunk.
 */
export function entityDocument(entity: EntityDef, row: Row, options: FormatOptions, contextUrl: string): string | Buffer {
  const withType = options.withType === true;
  const memo = !options.select && !options.secrets ? (row as Partial<CachedRow>).__memo : undefined;
  const hit = memo?.body;
  if (hit && hit.contextUrl === contextUrl && hit.withType === withType) return hit.bytes;
  const members = JSON.stringify(formatEntity(entity, row, options));
  const text = `{"@odata.context":${JSON.stringify(contextUrl)}${members === '{}' ? '}' : `,${members.slice(1)}`}`;
  if (!memo) return text;
  // Its own memory rather than a slice of Node's shared 8 KB pool, which a kept slice would keep alive whole.
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  memo.body = { contextUrl, withType, bytes };
  return bytes;
}

export function toWire(p: PropertyDef, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (p.kind) {
    case 'dateTimeOffset': return formatDateTimeOffset(value as string);
    case 'enum': return p.enumDef!.members.find((m) => m.value === value)?.name ?? String(value);
    case 'binary': return (value as Buffer).toString('base64');
    case 'complex': return JSON.parse(value as string);
    default: return value;
  }
}
