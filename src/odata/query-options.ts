import type { EntityDef, PropertyDef } from '../model/entity.js';
import { ValidationError } from '../model/errors.js';
import type { BoundExpr } from './filter-ast.js';
import { bindFilter } from './filter-binder.js';
import { parseFilter } from './filter-parser.js';
import type { ListQuery, OrderKey } from './list-query.js';
import { findProperty, notFilterableReason, unknownPropertyReason } from './properties.js';
import { splitQuery } from './query-string.js';
import { decodeSkipToken } from './skiptoken.js';

/**
 * OData system query options → what a store needs (CONTRACT §4.4). Three entry points, one per kind of request,
 * each allowing only the options that mean something there; everything else is refused by name
 * ("reject what you do not support, loudly"). Options without `$` that are not system options are ignored.
 */
export interface ListQueryOptions {
  /** Page size when `$top` is absent (Intune's default: 1000). */
  readonly defaultTop?: number;
  /** Largest `$top` accepted (1000, as Graph). */
  readonly maxTop?: number;
}

/** `GET …/collection`: `$filter $select $orderby $top $skip $count $skiptoken`. */
export function parseListQuery(rawQuery: string, entity: EntityDef, opts: ListQueryOptions = {}): ListQuery {
  const options = collectOptions(rawQuery, LIST_OPTIONS, 'here');
  const maxTop = opts.maxTop ?? 1000;
  const filter = filterOption(options, entity);
  const orderBy = options.has('orderby') ? parseOrderBy(options.get('orderby')!, entity) : [];
  const token = options.get('skiptoken');
  return {
    filter,
    orderBy,
    top: options.has('top') ? parseInteger('$top', options.get('top')!, 1, maxTop) : opts.defaultTop ?? maxTop,
    skip: options.has('skip') ? parseInteger('$skip', options.get('skip')!, 0, Number.MAX_SAFE_INTEGER) : 0,
    count: options.has('count') ? parseBoolean('$count', options.get('count')!) : false,
    select: options.has('select') ? parseSelect(options.get('select')!, entity) : undefined,
    after: token === undefined ? undefined : decodeSkipToken(token, { filter, orderBy }),
  };
}

/** `GET …/collection/{key}`: `$select` only. */
export function parseEntityQuery(rawQuery: string, entity: EntityDef): { select?: PropertyDef[] } {
  const options = collectOptions(rawQuery, ENTITY_OPTIONS, 'on a single entity');
  return options.has('select') ? { select: parseSelect(options.get('select')!, entity) } : {};
}

/** `GET …/collection/$count`: `$filter` only. */
export function parseCountQuery(rawQuery: string, entity: EntityDef): { filter?: BoundExpr } {
  const options = collectOptions(rawQuery, COUNT_OPTIONS, 'on /$count');
  const filter = filterOption(options, entity);
  return filter ? { filter } : {};
}

const LIST_OPTIONS: ReadonlySet<string> = new Set(['filter', 'select', 'orderby', 'top', 'skip', 'count', 'skiptoken']);
const ENTITY_OPTIONS: ReadonlySet<string> = new Set(['select']);
const COUNT_OPTIONS: ReadonlySet<string> = new Set(['filter']);
/** Known to OData and Graph, deliberately not implemented. */
const UNSUPPORTED: ReadonlySet<string> = new Set(['expand', 'search', 'apply', 'compute', 'levels', 'deltatoken', 'index']);

/** Name (lower case, no `$`) → decoded value, after refusing unknown, unsupported, misplaced and repeated options. */
function collectOptions(rawQuery: string, allowed: ReadonlySet<string>, where: string): Map<string, string> {
  const options = new Map<string, string>();
  for (const part of splitQuery(rawQuery)) {
    const name = part.system;
    if (name === undefined) continue;
    if (name === 'format') {
      // Graph accepts $format=json; JSON is the only format there is.
      if (!/^(json|application\/json)$/i.test(part.value.trim())) {
        throw new ValidationError(`Query option '$format' must be 'json'; found '${truncate(part.value)}'.`);
      }
      continue;
    }
    if (UNSUPPORTED.has(name)) throw new ValidationError(`Query option '$${name}' is not supported.`);
    if (!LIST_OPTIONS.has(name)) {
      throw new ValidationError(
        `Unknown query option '${truncate(part.written)}'. Supported: ${[...LIST_OPTIONS].map((o) => `$${o}`).join(', ')}.`);
    }
    if (!allowed.has(name)) throw new ValidationError(`Query option '$${name}' is not supported ${where}.`);
    if (options.has(name)) throw new ValidationError(`Query option '$${name}' is specified more than once.`);
    options.set(name, part.value);
  }
  return options;
}

function filterOption(options: Map<string, string>, entity: EntityDef): BoundExpr | undefined {
  const text = options.get('filter');
  return text === undefined ? undefined : bindFilter(parseFilter(text), entity);
}

/** `$select=id,thumbprint` — any property, secrets included (they read as null without the export role). `*` = all. */
function parseSelect(text: string, entity: EntityDef): PropertyDef[] | undefined {
  const names = text.split(',').map((name) => name.trim());
  if (names.length === 1 && names[0] === '*') return undefined;
  const selected = new Set<PropertyDef>();
  for (const name of names) {
    if (name === '') throw new ValidationError(`Invalid $select: expected a comma-separated list of property names, found '${truncate(text)}'.`);
    const property = findProperty(entity, name);
    if (!property) throw new ValidationError(`Invalid $select: ${unknownPropertyReason(entity, truncate(name))}.`);
    selected.add(property);
  }
  return [...selected];
}

/** `$orderby=expirationDateTime desc,thumbprint` — keys in order; direction `asc` (default) or `desc`. */
function parseOrderBy(text: string, entity: EntityDef): OrderKey[] {
  const keys: OrderKey[] = [];
  for (const item of text.split(',')) {
    const m = /^\s*([^\s]+)(?:\s+(asc|desc))?\s*$/i.exec(item);
    if (!m) {
      throw new ValidationError(`Invalid $orderby: expected 'property' or 'property asc|desc' separated by commas, found '${truncate(item.trim())}'.`);
    }
    const property = findProperty(entity, m[1]);
    if (!property) throw new ValidationError(`Invalid $orderby: ${unknownPropertyReason(entity, truncate(m[1]))}.`);
    const refused = notFilterableReason(property, '$orderby');
    if (refused) throw new ValidationError(`Invalid $orderby: ${refused}.`);
    if (keys.some((k) => k.property === property)) {
      throw new ValidationError(`Invalid $orderby: property '${property.name}' appears more than once.`);
    }
    keys.push({ property, direction: (m[2]?.toLowerCase() ?? 'asc') as OrderKey['direction'] });
  }
  return keys;
}

function parseInteger(option: string, text: string, min: number, max: number): number {
  const trimmed = text.trim();
  const value = /^\d{1,16}$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!(value >= min && value <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? 'a non-negative integer' : `an integer from ${min} to ${max}`;
    throw new ValidationError(`Invalid ${option}: expected ${range}, found '${truncate(text)}'.`);
  }
  return value;
}

function parseBoolean(option: string, text: string): boolean {
  const lower = text.trim().toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  throw new ValidationError(`Invalid ${option}: expected true or false, found '${truncate(text)}'.`);
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
