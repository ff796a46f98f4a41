/**
 * Where the client commands connect and with which token (CONTRACT §7): `--url`/PFXSTORE_URL,
 * `--token`/PFXSTORE_TOKEN, `--ca`/PFXSTORE_CA; with no token, dev mode mints one from the `--data`
 * directory of a local `pfxstore serve` and trusts that server's dev CA.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { GraphClient, type RetryEvent } from '../client/graph-client.js';
import { checkServiceUrl } from './service-url.js';
import { DEFAULT_DATA_DIR, devDataDir, existingDevIdentity, nonEmpty } from './dev-data.js';

export const DEFAULT_URL = 'https://127.0.0.1:8443/beta';

/** The flags every client command accepts: where to connect and with which token. */
export const CONNECTION_FLAGS = flagTable({
  url: { type: 'string', value: 'URL', defaultText: DEFAULT_URL, env: 'PFXSTORE_URL',
    description: 'the Graph base URL: a pfxstore server\'s /beta, or https://graph.microsoft.com/beta' },
  token: { type: 'string', value: 'T', defaultText: 'minted from the dev signing key in --data', env: 'PFXSTORE_TOKEN', description: 'the bearer access token' },
  ca: { type: 'string', value: 'F', defaultText: 'the system CAs (and the dev CA in --data)', env: 'PFXSTORE_CA', description: 'a CA certificate (PEM) to trust as well' },
  data: { type: 'string', value: 'DIR', defaultText: DEFAULT_DATA_DIR, env: 'PFXSTORE_DATA',
    description: 'the data directory of a dev server (its serve --data): its key signs the token, its dev CA is trusted' },
});

/** The section of every client command's help that lists the connection flags. */
export const CONNECTION_SECTION = { title: 'Connection', flags: CONNECTION_FLAGS } as const;

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
  checkServiceUrl(baseUrl, DEFAULT_URL);
  const caFile = flags.ca ?? nonEmpty(env.PFXSTORE_CA);
  const caPems: string[] = [];
  if (caFile !== undefined) caPems.push(readCa(caFile));

  const dataDir = devDataDir(flags.data, env);
  let token = flags.token ?? nonEmpty(env.PFXSTORE_TOKEN);
  if (token === undefined) {
    const identity = await existingDevIdentity(dataDir, ', or pass --token (or set PFXSTORE_TOKEN)');
    const { DEFAULT_ROLES, mintDevToken } = await import('../graph/dev-identity.js');
    token = await mintDevToken(identity, { roles: [...DEFAULT_ROLES, ...(options.extraRoles ?? [])], ttlSeconds: 3600 });
  }
  // Dev mode (a minted token, or --data named): trust that server's dev CA as well.
  const devCa = join(dataDir.path, 'dev-ca.pem');
  if (caFile === undefined && (dataDir.named || flags.token === undefined && !nonEmpty(env.PFXSTORE_TOKEN)) && existsSync(devCa)) {
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

/** The base URL the flags and environment name, without connecting (for `--dry-run`). */
export function serviceUrl(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): string {
  return (flags.url ?? nonEmpty(env.PFXSTORE_URL) ?? DEFAULT_URL).replace(/\/+$/, '');
}
