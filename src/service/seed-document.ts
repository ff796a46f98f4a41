import { ValidationError } from '../model/errors.js';
import { describe } from './entity-body.js';

/**
 * Known data loaded at start (`serve --seed FILE`) and again by `POST /_pfxstore/reset?reseed=true`: Graph
 * request bodies, each as POST /users or POST …/userPfxCertificates takes it, plus an optional `tenantId`
 * (and, on a user, an optional `id`).
 */
export interface SeedDocument {
  users?: unknown[];
  userPfxCertificates?: unknown[];
}

/** The document's collections, in the order they are loaded: the users first, who own the certificates. */
export const SEED_SETS = ['users', 'userPfxCertificates'] as const;

export type SeedSet = typeof SEED_SETS[number];

/**
 * A seed that cannot be loaded: its message names the file or the item (`seed: users[2].mail: …`), one line
 * per problem. A ValidationError, so a reseed that meets one answers 400; `serve` exits 2 on it.
 */
export class SeedError extends ValidationError {
  override name = 'SeedError';

  /** One error for every problem found (`users[2].mail: …`), each on its own `seed: ` line, the first 20 listed. */
  static listing(problems: readonly string[]): SeedError {
    const listed = problems.slice(0, MAX_LISTED).map((p) => `seed: ${p}`);
    if (problems.length > MAX_LISTED) listed.push(`seed: … and ${problems.length - MAX_LISTED} more problems`);
    return new SeedError(listed.join('\n'));
  }
}

/** Problems listed in one error; the rest are counted. A seed made by a script can be wrong in every item. */
const MAX_LISTED = 20;

/**
 * Checks the document's shape, not its items (seed-plan.ts does those): an object whose keys are the two
 * collections, each an array. Keys starting with `$` are comments (`$comment`, `$schema`: JSON has no other).
 * `label` starts each message: `seed file 'x.json'`, or `seed` for a document handed to startServer.
 */
export function checkSeedDocument(value: unknown, label: string): SeedDocument {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SeedError(`${label}: must be a JSON object {"users": […], "userPfxCertificates": […]}, not ${describe(value)}.`);
  }
  const document: SeedDocument = {};
  for (const [key, items] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    if (!(SEED_SETS as readonly string[]).includes(key)) {
      throw new SeedError(`${label}: unknown key '${key}'; a seed has 'users' and 'userPfxCertificates' (and $-keys as comments).`);
    }
    if (!Array.isArray(items)) {
      throw new SeedError(`${label}: '${key}' must be an array of request bodies, not ${describe(items)}.`);
    }
    document[key as SeedSet] = items;
  }
  return document;
}
