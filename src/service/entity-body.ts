import { parseDateTimeOffset } from '../model/datetime.js';
import { enumMember, enumNames, type EntityDef, type PropertyDef } from '../model/entity.js';
import { ValidationError } from '../model/errors.js';
import { GUID } from '../model/guid.js';
import type { Row } from '../store/store.js';

/**
 * Reads a JSON request body against an entity's property table into a Row in stored form.
 * Every problem is collected (see BodyRead), so one 400 names each bad property at once (the example on the original API page
 * has several placeholders; a user should not have to fix them one round trip at a time).
 *
 * Rules (CONTRACT §4.1): server-set properties are ignored; instance annotations (`@odata.*`, `p@odata.*`) are
 * ignored except `@odata.type`, which must name the entity type; any other unknown property is an error.
 */
export function readEntityBody(entity: EntityDef, body: unknown, options: { readonly patch?: boolean } = {}): BodyRead {
  if (body === undefined || body === null) {
    throw new ValidationError(`The request body is empty; expected a JSON object of type ${entity.odataType.slice(1)}.`);
  }
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError(`The request body must be a JSON object of type ${entity.odataType.slice(1)}, not ${describe(body)}.`);
  }
  const problems: string[] = [];
  const row: Row = {};
  for (const [name, value] of Object.entries(body)) {
    if (name === '@odata.type') {
      if (value !== entity.odataType) {
        problems.push(`'@odata.type' must be '${entity.odataType}', not ${describe(value)}`);
      }
      continue;
    }
    if (name.includes('@')) continue; // instance annotations carry no data
    const property = entity.byName.get(name);
    if (!property) {
      problems.push(`property '${name}' does not exist on type '${entity.odataType.slice(1)}'`);
      continue;
    }
    if (property.serverSet) continue;
    if (options.patch && !property.patchable) {
      problems.push(`property '${name}' cannot be changed`);
      continue;
    }
    const read = readValue(property, value);
    if ('problem' in read) problems.push(read.problem);
    else row[name] = read.value;
  }
  return { row, problems };
}

/** The body's values in stored form, and what was wrong with it: callers add their own rules, then throw once. */
export interface BodyRead {
  readonly row: Row;
  readonly problems: string[];
}

/** Adds "is required" for each required property (see PropertyDef.required) a create body lacks and no other problem names. */
export function requireProperties(entity: EntityDef, row: Row, problems: string[]): void {
  for (const { name } of entity.properties.filter((p) => p.required)) {
    if (row[name] === undefined && !problems.some((p) => p.includes(`'${name}'`))) {
      problems.push(`property '${name}' is required`);
    }
  }
}

export function invalidBody(problems: readonly string[]): ValidationError {
  return new ValidationError(`Invalid request body: ${problems.join('; ')}.`);
}

type ReadResult = { value: unknown } | { problem: string };

function readValue(p: PropertyDef, value: unknown): ReadResult {
  const bad = (expected: string): ReadResult => ({ problem: `property '${p.name}' must be ${expected}, not ${describe(value)}` });
  if (value === null) {
    return p.storedNullable ? { value: null } : { problem: `property '${p.name}' must not be null` };
  }
  switch (p.kind) {
    case 'string':
      return typeof value === 'string' ? { value } : bad('a string');
    case 'boolean':
      return typeof value === 'boolean' ? { value } : bad('true or false');
    case 'int32':
      return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 ? { value } : bad('a 32-bit integer');
    case 'guid':
      return typeof value === 'string' && GUID.test(value) ? { value: value.toLowerCase() } : bad('a GUID');
    case 'dateTimeOffset': {
      const stored = typeof value === 'string' ? parseDateTimeOffset(value) : undefined;
      return stored !== undefined ? { value: stored }
        : bad('an ISO 8601 date-time with an offset or Z (Edm.DateTimeOffset), e.g. 2026-01-22T19:17:04Z');
    }
    case 'binary': {
      const bytes = typeof value === 'string' ? decodeBase64(value) : undefined;
      return bytes ? { value: bytes } : bad('base64-encoded binary (Edm.Binary)');
    }
    case 'enum': {
      const def = p.enumDef!;
      const member = typeof value === 'string' || typeof value === 'number' ? enumMember(def, value) : undefined;
      return member ? { value: member.value }
        : { problem: `property '${p.name}' has the invalid value ${describe(value)}; allowed values of ${def.name}: ${enumNames(def)}` };
    }
    case 'complex':
      return bad('read-only');
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (RFC 4648 §4): Buffer.from would silently skip junk characters and lose data. */
export function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  // Re-encoding gives the text back exactly when it was canonical base64, which is what encoders write; that
  // costs a fifth of the pattern test, which is kept for the rest (e.g. non-zero bits in the last character).
  return bytes.toString('base64') === text || BASE64.test(text) ? bytes : undefined;
}

/** A short, safe rendering of a client value for an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': return `'${value.length > 64 ? `${value.slice(0, 64)}…` : value}'`;
    case 'number':
    case 'boolean': return String(value);
    case 'object': return 'an object';
    default: return typeof value;
  }
}
