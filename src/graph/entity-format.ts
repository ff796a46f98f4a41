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

/** Memoized full public texts, by row object: one map per choice of `withType`. */
const typedJson = new WeakMap<Row, string>();
const untypedJson = new WeakMap<Row, string>();

/**
 * formatEntity as JSON text. A frozen row (the SQLite store's cached reads stay the same frozen object until the
 * row changes) keeps its full public text, so an entity read again is not formatted again.
 */
export function entityJson(entity: EntityDef, row: Row, options: FormatOptions = {}): string {
  const format = () => JSON.stringify(formatEntity(entity, row, options));
  if (options.select || options.secrets || !Object.isFrozen(row)) return format();
  const memo = options.withType ? typedJson : untypedJson;
  let json = memo.get(row);
  if (json === undefined) {
    json = format();
    memo.set(row, json);
  }
  return json;
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
