import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CertificateService } from '../service/certificate-service.js';
import type { SecretBox } from '../service/secret-box.js';
import { Seeder, type SeedOutcome } from '../service/seeder.js';
import { UserService } from '../service/user-service.js';
import type { Store } from '../store/store.js';
import { checkSeedDocument, SeedError, type SeedDocument } from '../service/seed-document.js';
import { planSeed, type SeedPlan } from '../service/seed-plan.js';

export type { SeedDocument } from '../service/seed-document.js';

/**
 * Reads a seed file (`serve --seed FILE`): JSON `{"users": […], "userPfxCertificates": […]}`. Checks its
 * shape, not its items (planSeed does, with the tenant known). Throws a SeedError naming the file and what is
 * wrong with it: unreadable, not JSON (with the line and column), not that shape.
 */
export function readSeedFile(path: string): SeedDocument {
  const label = `seed file '${path}'`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SeedError(`${label}: cannot be read: ${readProblem(err as NodeJS.ErrnoException)}.`);
  }
  let value: unknown;
  try {
    // An editor on Windows may start the file with a byte-order mark, which JSON.parse refuses.
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new SeedError(`${label}: not valid JSON: ${jsonProblem((err as Error).message, text)}.`);
  }
  return checkSeedDocument(value, label);
}

/**
 * The seed a server starts with, checked item by item before the store is opened: `seed` (a document handed
 * to startServer) wins over `seedFile` (--seed). Items without a `tenantId` go to `defaultTenantId`.
 */
export function planServerSeed(options: { seed?: SeedDocument; seedFile?: string; defaultTenantId?: string }): SeedPlan | undefined {
  const document = options.seed !== undefined ? checkSeedDocument(options.seed, 'seed')
    : options.seedFile !== undefined ? readSeedFile(options.seedFile) : undefined;
  return document && planSeed(document, { defaultTenantId: options.defaultTenantId });
}

/**
 * Loads a checked seed at start, through services of its own (the API's are made with the app): they are
 * stateless, so the same rules, at-rest encryption and audit events.
 */
export function loadSeed(deps: { store: Store; secrets: SecretBox; autoUsers: boolean }, plan: SeedPlan): Promise<SeedOutcome> {
  const users = new UserService({ store: deps.store, autoUsers: deps.autoUsers });
  const certificates = new CertificateService({ store: deps.store, secrets: deps.secrets, users });
  // One correlation id for the audit events of the whole load, as for the records of one request.
  return new Seeder({ ...deps, users, certificates }).load(plan, randomUUID());
}

function readProblem(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': return 'permission denied';
    case 'EISDIR': return 'it is a directory';
    default: return err.message;
  }
}

/** V8 says where by character offset (`at position 41`); a person looks for a line and a column. */
function jsonProblem(message: string, text: string): string {
  const at = /at position (\d+)/.exec(message);
  if (!at) return message;
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  return `${message} (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}
