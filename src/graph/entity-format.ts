import { formatDateTimeOffset } from '../model/datetime.js';
import type { EntityDef, PropertyDef } from '../model/entity.js';
import type { Row } from '../store/store.js';

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

/** A response body and the `@odata.context` URL it was written with. */
interface EntityDocument {
  readonly contextUrl: string;
  readonly body: Buffer;
}

/** Memoized documents, by row object: one map per choice of `withType`. */
const typedDocuments = new WeakMap<Row, EntityDocument>();
const untypedDocuments = new WeakMap<Row, EntityDocument>();

/**
 * One entity as a response body, in bytes: `@odata.context` first, then the members of formatEntity. A frozen row
 * (the SQLite store's cached reads stay the same frozen object until the row changes) keeps its full public body
 * for the last context URL it was sent with, so an entity read again is neither formatted nor encoded again.
 */
export function entityDocument(entity: EntityDef, row: Row, options: FormatOptions, contextUrl: string): Buffer {
  const memoizable = !options.select && !options.secrets && Object.isFrozen(row);
  const memo = options.withType ? typedDocuments : untypedDocuments;
  if (memoizable) {
    const hit = memo.get(row);
    if (hit?.contextUrl === contextUrl) return hit.body;
  }
  const members = JSON.stringify(formatEntity(entity, row, options));
  const text = `{"@odata.context":${JSON.stringify(contextUrl)}${members === '{}' ? '}' : `,${members.slice(1)}`}`;
  if (!memoizable) return Buffer.from(text);
  // Its own memory rather than a slice of Node's shared 8 KB pool, which a kept slice would keep alive whole.
  const body = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  body.write(text);
  memo.set(row, { contextUrl, body });
  return body;
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
