import { GUID } from '../model/guid.js';
import { readCertificateCreate } from './certificate-rules.js';
import { describe, type BodyRead } from './entity-body.js';
import { SEED_SETS, SeedError, type SeedDocument, type SeedSet } from './seed-document.js';
import { readUserCreate } from './user-service.js';

/** One item of a seed, checked: what the service that creates it will be handed. */
export interface SeedItem {
  /** `users[2]`: how messages name it. */
  readonly name: string;
  readonly tenantId: string;
  /** The request body: the item without its seed-only properties (`tenantId`; a user's `id`). */
  readonly body: Readonly<Record<string, unknown>>;
  /** A user's own id, when the seed gives one (so that its certificates' ids are known too). */
  readonly id?: string;
  /** A user's userPrincipalName, or a certificate owner's, lower-cased: owners are matched so, as in Entra ID. */
  readonly upn: string;
}

/** A seed whose every item passed the API's validation, users (the owners) first. */
export interface SeedPlan {
  readonly users: readonly SeedItem[];
  readonly certificates: readonly SeedItem[];
}

/** The property a validation problem is about: every one names it first (entity-body.ts, certificate-rules.ts). */
const PROBLEM_PROPERTY = /^(?:property )?'([^']+)'/;

/**
 * Checks every item of a seed before anything is written, so a bad seed loads nothing: the same validation
 * as the POST that would create it, a GUID `tenantId` (else `defaultTenantId`, the dev tenant) and a GUID user
 * `id` when given, and no item twice (same user by UPN or id, same certificate by owner and thumbprint), which
 * would otherwise be skipped without a word. Throws one SeedError listing each problem by item and property.
 */
export function planSeed(document: SeedDocument, options: { readonly defaultTenantId?: string }): SeedPlan {
  const problems: string[] = [];
  const items: Record<SeedSet, SeedItem[]> = { users: [], userPfxCertificates: [] };
  const firstOf = new Map<string, string>();
  for (const set of SEED_SETS) {
    (document[set] ?? []).forEach((value, index) => {
      const read = readItem(set, `${set}[${index}]`, value, options.defaultTenantId, problems);
      if (!read) return;
      const { item, identities } = read;
      for (const [key, property] of identities) {
        const first = firstOf.get(key);
        if (first) problems.push(`${item.name}.${property}: the same ${set === 'users' ? 'user' : 'certificate'} as ${first}`);
        else firstOf.set(key, item.name);
      }
      items[set].push(item);
    });
  }
  if (problems.length > 0) throw SeedError.listing(problems);
  return { users: items.users, certificates: items.userPfxCertificates };
}

/** One item, checked, and the keys that make it one record; undefined (and `problems` longer) when it is bad. */
function readItem(set: SeedSet, name: string, value: unknown, defaultTenantId: string | undefined, problems: string[]):
  { item: SeedItem; identities: [key: string, property: string][] } | undefined {
  const type = set === 'users' ? 'microsoft.graph.user' : 'microsoft.graph.userPFXCertificate';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${name}: must be a JSON object (a request body of type ${type}), not ${describe(value)}`);
    return undefined;
  }
  const { tenantId, ...rest } = value as Record<string, unknown>;
  const before = problems.length;
  const tenant = tenantId === undefined ? defaultTenantId : guid(tenantId);
  if (tenant === undefined) {
    problems.push(tenantId === undefined
      ? `${name}.tenantId: required: there is no default tenant (the server does not run with --auth dev)`
      : `${name}.tenantId: must be a GUID, not ${describe(tenantId)}`);
  }
  // A user's id is server-set on POST (and ignored there); in a seed it is the user's, when given.
  let body = rest;
  let id: string | undefined;
  if (set === 'users' && rest.id !== undefined) {
    const { id: given, ...others } = rest;
    body = others;
    id = guid(given);
    if (id === undefined) problems.push(`${name}.id: must be a GUID, not ${describe(given)}`);
  }
  const read: BodyRead = set === 'users' ? readUserCreate(body) : readCertificateCreate(body);
  for (const problem of read.problems) {
    const property = PROBLEM_PROPERTY.exec(problem)?.[1];
    problems.push(`${name}${property ? `.${property}` : ''}: ${problem}`);
  }
  if (problems.length > before) return undefined;
  const upn = (read.row.userPrincipalName as string).toLowerCase();
  // What makes two items one record, each with the property a duplicate is reported on.
  const identities: [string, string][] = set === 'users'
    ? [[`${tenant} user ${upn}`, 'userPrincipalName'], ...(id ? [[`${tenant} id ${id}`, 'id'] as [string, string]] : [])]
    : [[`${tenant} certificate ${upn} ${read.row.thumbprint as string}`, 'thumbprint']];
  return { item: { name, tenantId: tenant!, body, id, upn }, identities };
}

function guid(value: unknown): string | undefined {
  return typeof value === 'string' && GUID.test(value) ? value.toLowerCase() : undefined;
}
