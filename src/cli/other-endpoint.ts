/**
 * The second Graph endpoint of `diff --against` and `push --to`: its URL, its token (given, or read from an
 * environment variable so it stays out of argv) and a CA to trust. The first endpoint is the usual connection
 * (client-connection.ts). No dev-mode minting here: the other side is another server, whose token its own
 * `pfxstore token` (or `az account get-access-token`) prints.
 */
import { readFileSync } from 'node:fs';
import { GraphClient, type RetryEvent } from '../client/graph-client.js';
import type { FlagSpec } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { checkServiceUrl } from './service-url.js';

export type EndpointName = 'against' | 'to';

type EndpointFlagName<N extends EndpointName> = N | `${N}-token` | `${N}-token-env` | `${N}-ca`;

/** `--NAME URL`, `--NAME-token T`, `--NAME-token-env VAR`, `--NAME-ca F`, for a command's flag table. */
export function endpointFlags<N extends EndpointName>(name: N, what: string): Record<EndpointFlagName<N>, FlagSpec & { type: 'string' }> {
  return {
    [name]: { type: 'string', value: 'URL', description: `required: ${what}: a Graph base URL (another pfxstore's /beta, or https://graph.microsoft.com/beta)` },
    [`${name}-token`]: { type: 'string', value: 'T', description: `the bearer token for --${name} (visible in ps; prefer --${name}-token-env)` },
    [`${name}-token-env`]: { type: 'string', value: 'VAR', description: `the environment variable that holds the token for --${name}` },
    [`${name}-ca`]: { type: 'string', value: 'F', defaultText: 'the system CAs', description: `a CA certificate (PEM) to trust for --${name}` },
  } as Record<EndpointFlagName<N>, FlagSpec & { type: 'string' }>;
}

export interface EndpointOptions {
  readonly concurrency?: number;
  readonly onRetry?: (event: RetryEvent) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** A client for the endpoint the flags name; usage errors for a missing URL or token, or both token flags. */
export function connectEndpoint(values: Partial<Record<string, string | boolean | undefined>>, name: EndpointName,
  options: EndpointOptions = {}): GraphClient {
  const env = options.env ?? process.env;
  const url = values[name];
  if (typeof url !== 'string' || url === '') throw new UsageError(`--${name} URL is required.`);
  checkServiceUrl(url, 'https://graph.microsoft.com/beta', `--${name}`);
  const token = endpointToken(values, name, env);
  const caFile = values[`${name}-ca`];
  let extraCaPem: string | undefined;
  if (typeof caFile === 'string') {
    try {
      extraCaPem = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new UsageError(`--${name}-ca ${caFile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`);
    }
  }
  return new GraphClient({
    baseUrl: url.replace(/\/+$/, ''),
    token,
    extraCaPem,
    caFlag: `--${name}-ca`,
    maxConnections: options.concurrency,
    onRetry: options.onRetry,
  });
}

function endpointToken(values: Partial<Record<string, string | boolean | undefined>>, name: EndpointName, env: NodeJS.ProcessEnv): string {
  const given = values[`${name}-token`];
  const variable = values[`${name}-token-env`];
  if (typeof given === 'string' && typeof variable === 'string') {
    throw new UsageError(`give --${name}-token or --${name}-token-env, not both.`);
  }
  if (typeof variable === 'string') {
    const token = env[variable]?.trim();
    if (!token) throw new UsageError(`--${name}-token-env ${variable}: the variable is not set or empty.`);
    return token;
  }
  if (typeof given === 'string' && given.trim() !== '') return given.trim();
  throw new UsageError(`--${name}-token T or --${name}-token-env VAR is required: the token for ${String(values[name])}.`);
}
