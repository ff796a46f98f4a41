/**
 * Where the client commands connect and with which token (CONTRACT §7): `--url`/PFXSTORE_URL,
 * `--token`/PFXSTORE_TOKEN, `--ca`/PFXSTORE_CA; with no token, dev mode mints one from the `--data`
 * directory of a local `pfxstore serve` and trusts that server's dev CA.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../util/usage-error.js';
import { GraphClient, type RetryEvent } from '../client/graph-client.js';

export const DEFAULT_URL = 'https://127.0.0.1:8443/beta';

/** The parseArgs options every client command accepts. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  ca: { type: 'string' },
  data: { type: 'string' },
} as const;

export interface ConnectionFlags {
  readonly url?: string;
  readonly token?: string;
  readonly ca?: string;
  readonly data?: string;
}

export interface ConnectOptions {
  /** Extra application roles a dev-minted token needs (verify: the export role). */
  readonly extraRoles?: readonly string[];
  readonly concurrency?: number;
  readonly onRetry?: (event: RetryEvent) => void;
  readonly env?: NodeJS.ProcessEnv;
}

export async function connect(flags: ConnectionFlags, options: ConnectOptions = {}): Promise<GraphClient> {
  const env = options.env ?? process.env;
  const baseUrl = serviceUrl(flags, env);
  if (!/^https?:\/\/[^/]/i.test(baseUrl)) throw new UsageError(`--url must be an http(s) URL such as ${DEFAULT_URL}, not '${baseUrl}'.`);
  const caFile = flags.ca ?? nonEmpty(env.PFXSTORE_CA);
  const caPems: string[] = [];
  if (caFile !== undefined) caPems.push(readCa(caFile));

  const explicitData = flags.data ?? nonEmpty(env.PFXSTORE_DATA);
  const dataDir = resolve(explicitData ?? './.pfxstore');
  let token = flags.token ?? nonEmpty(env.PFXSTORE_TOKEN);
  if (token === undefined) {
    // Only read an existing dev identity: creating one here would sign tokens no server trusts.
    if (!existsSync(join(dataDir, 'signing-key.jwk.json'))) {
      throw new UsageError('no token: pass --token or set PFXSTORE_TOKEN, or point --data at the data directory ' +
        `of a pfxstore dev server (${dataDir} holds no dev signing key).`);
    }
    // Loaded only here: jose costs ~0.1 s of start-up that a command given a token need not pay.
    const { DEFAULT_ROLES, loadDevIdentity, mintDevToken } = await import('../graph/dev-identity.js');
    const identity = await loadDevIdentity(dataDir);
    token = await mintDevToken(identity, { roles: [...DEFAULT_ROLES, ...(options.extraRoles ?? [])], ttlSeconds: 3600 });
  }
  // Dev mode (a minted token, or --data named): trust that server's dev CA as well.
  const devCa = join(dataDir, 'dev-ca.pem');
  if (caFile === undefined && (explicitData !== undefined || flags.token === undefined && !nonEmpty(env.PFXSTORE_TOKEN)) && existsSync(devCa)) {
    caPems.push(readFileSync(devCa, 'utf8'));
  }
  return new GraphClient({
    baseUrl,
    token: token.trim(),
    extraCaPem: caPems.length > 0 ? caPems.join('\n') : undefined,
    maxConnections: options.concurrency,
    onRetry: options.onRetry,
  });
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--ca ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The base URL the flags and environment name, without connecting (for `--dry-run`). */
export function serviceUrl(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): string {
  return (flags.url ?? nonEmpty(env.PFXSTORE_URL) ?? DEFAULT_URL).replace(/\/+$/, '');
}
