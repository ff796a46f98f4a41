import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import type { ValidateFunction } from 'ajv';

/** The HAR 1.2 JSON schemas (har-schema, the ones behind har-validator), checked with Ajv. */
const require = createRequire(import.meta.url);
let validate: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (validate) return validate;
  const { Ajv } = require('ajv') as typeof AjvModule;
  const addFormats = require('ajv-formats') as (ajv: InstanceType<typeof Ajv>) => void;
  const schemas = require('har-schema') as Record<string, { $id: string }>;
  // The schemas are draft-06 and use two keywords of their own (`optional`, `min`) that strict mode refuses.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  addFormats(ajv);
  for (const schema of Object.values(schemas)) ajv.addSchema(schema);
  validate = ajv.getSchema('har.json#')!;
  return validate;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string; url: string; httpVersion: string; headers: { name: string; value: string }[];
    queryString: { name: string; value: string }[]; bodySize: number;
    postData?: { mimeType: string; text?: string; params?: { name: string; value: string }[] };
  };
  response: {
    status: number; statusText: string; headers: { name: string; value: string }[];
    content: { size: number; mimeType: string; text?: string }; bodySize: number;
  };
  timings: { send: number; wait: number; receive: number };
  _requestId: string;
}

export interface Har {
  log: { version: string; creator: { name: string; version: string }; entries: HarEntry[] };
}

/** Parses a HAR file's text and checks it against the HAR 1.2 schema; throws naming every violation. */
export function validHar(text: string): Har {
  const har = JSON.parse(text) as Har;
  const check = validator();
  if (!check(har)) throw new Error(`not valid HAR 1.2: ${JSON.stringify(check.errors, null, 1).slice(0, 2000)}`);
  return har;
}

/** A header's value (names compared case-insensitively), or undefined. */
export function headerValue(headers: readonly { name: string; value: string }[], name: string): string | undefined {
  return headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}
