/**
 * The data directory of a dev-mode `pfxstore serve`, as the client commands and `token` find it: `--data`,
 * else PFXSTORE_DATA, else ./.pfxstore. They only ever read the dev identity there. Making one (as `serve`
 * does) would sign tokens with a key no server knows, and the first request would fail with a puzzling 401.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DevIdentity } from '../graph/dev-identity.js';
import { UsageError } from '../util/usage-error.js';

export const DEFAULT_DATA_DIR = './.pfxstore';
/** What `serve` writes into `--data` in dev mode and a token needs. */
const IDENTITY_FILES = ['signing-key.jwk.json', 'tenant-id'];

export interface DevDataDir {
  readonly path: string;
  /** Named by `--data` or PFXSTORE_DATA rather than the default. */
  readonly named: boolean;
}

export function devDataDir(flag: string | undefined, env: NodeJS.ProcessEnv): DevDataDir {
  const named = flag ?? nonEmpty(env.PFXSTORE_DATA);
  return { path: resolve(named ?? DEFAULT_DATA_DIR), named: named !== undefined };
}

/** The dev identity in `dir`, or a usage error saying none is there and how to name the server's. */
export async function existingDevIdentity(dir: DevDataDir, orElse: string): Promise<DevIdentity> {
  const missing = IDENTITY_FILES.filter((f) => !existsSync(join(dir.path, f)));
  if (missing.length > 0) {
    const what = existsSync(dir.path) ? `it holds no ${missing.join(' and no ')}` : 'no such directory';
    throw new UsageError(`no dev identity found at ${dir.path} (${what}` +
      `${dir.named ? '' : `; ${DEFAULT_DATA_DIR} of the current directory is the default`}). Point --data or PFXSTORE_DATA at the dev ` +
      `server's data directory (its --data; by default .pfxstore in the directory it was started from)${orElse}.`);
  }
  // Loaded only here: jose costs ~0.1 s of start-up that a command given a token need not pay.
  const { loadDevIdentity } = await import('../graph/dev-identity.js');
  return loadDevIdentity(dir.path);
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
