import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type FaultRules, parseFaultSpec } from './fault-spec.js';
import { type FlagSpec, parseFlags } from '../util/flags.js';
import type { LogFormat } from './log-format.js';
import { UsageError } from '../util/usage-error.js';

export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** `sqlite:<path>`, `postgres://…` or `memory`. */
  readonly dbUrl: string;
  readonly http: boolean;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly auth: 'dev' | 'oidc';
  readonly issuer?: string;
  readonly audience?: string;
  readonly jwksUri?: string;
  /** oidc: the identity provider's public SPA client that the console signs in with; no console sign-in without. */
  readonly consoleClientId?: string;
  /** oidc: the scopes the console asks for (`/console/config.json`). */
  readonly consoleScopes: readonly string[];
  readonly publicUrl?: string;
  readonly throttle: 'off' | 'intune';
  readonly logLevel: string;
  /** `pretty`: a short line per request, for a person at a terminal; `json`: pino's lines, for a collector. */
  readonly logFormat: LogFormat;
  /** Create unknown certificate owners on the fly (Graph has no such switch; `--no-auto-users` turns it off). */
  readonly autoUsers: boolean;
  readonly bodyLimitBytes: number;
  /** How long a client may take to send a whole request; its headers must arrive within the first 10 s of it. */
  readonly requestTimeoutMs: number;
  /** How long SIGTERM waits for in-flight requests before closing anyway. */
  readonly graceMs: number;
  readonly pgPoolSize: number;
  readonly pgStatementTimeoutMs: number;
  readonly pgConnectTimeoutMs: number;
  /** `--seed FILE`: users and certificates loaded at start (server/seed.ts), and again by a reset with reseed. */
  readonly seedFile?: string;
  /** `--faults`: failures injected on purpose (fault-spec.ts); none when absent. */
  readonly faults?: FaultRules;
  /** The seed of the faults' draws: `--faults-seed`, else picked at random (and printed) when there are faults. */
  readonly faultsSeed?: number;
  /** `--record FILE`: every request and response written to FILE as HAR 1.2, secrets redacted (server/har-recorder.ts). */
  readonly recordFile?: string;
}

/** `--grace-ms` → PFXSTORE_GRACE_MS: every serve flag is also read from the environment, the flag winning. */
function withEnv<const T extends Record<string, Omit<FlagSpec, 'env'>>>(table: T): { readonly [K in keyof T]: T[K] & { readonly env: string } } {
  return Object.fromEntries(Object.entries(table).map(([name, spec]) =>
    [name, { ...spec, env: `PFXSTORE_${name.toUpperCase().replace(/-/g, '_')}` }])) as { [K in keyof T]: T[K] & { env: string } };
}

/** The flags of `serve`: what parses them and what `serve --help` prints (with each one's variable). */
export const SERVE_FLAGS = withEnv({
  host: { type: 'string', value: 'H', default: '127.0.0.1', description: 'address to listen on' },
  port: { type: 'string', value: 'N', default: '8443', description: 'port to listen on; 0 picks a free one' },
  data: { type: 'string', value: 'DIR', default: './.pfxstore',
    description: 'dev signing key, tenant id, client secret, dev CA, at-rest key and SQLite file (made 0700)' },
  db: { type: 'string', value: 'URL', defaultText: 'sqlite:<data>/pfxstore.db', description: 'the store: sqlite:<path>, postgres://user@host:5432/db?schema=name, or memory (nothing kept after the process ends)' },
  http: { type: 'boolean', description: 'plain HTTP instead of HTTPS' },
  'tls-cert': { type: 'string', value: 'F', defaultText: 'a certificate from the dev CA in --data', description: 'your own TLS certificate (PEM; with --tls-key)' },
  'tls-key': { type: 'string', value: 'F', defaultText: 'the dev certificate\'s key', description: 'the key of --tls-cert (PEM)' },
  auth: { type: 'string', value: 'dev|oidc', default: 'dev',
    description: 'dev: tokens signed by the key in --data (pfxstore token); oidc: a real identity provider' },
  issuer: { type: 'string', value: 'URL', description: 'oidc: the issuer; {tenantid} stands for the token\'s tid (multi-tenant Entra ID)' },
  audience: { type: 'string', value: 'A', description: 'oidc: the accepted audiences, comma-separated' },
  'jwks-uri': { type: 'string', value: 'URL', description: 'oidc: where the issuer publishes its signing keys' },
  'console-client-id': { type: 'string', value: 'ID', description: 'oidc: the identity provider\'s public SPA client (PKCE, redirect URI <origin>/console/) the console signs in with' },
  'console-scopes': { type: 'string', value: '"S S"', defaultText: '"openid profile <audience>/DeviceManagementConfiguration.ReadWrite.All <audience>/User.ReadWrite.All"',
    description: 'oidc: the scopes the console asks for, space-separated (<audience>: the first --audience)' },
  'public-url': { type: 'string', value: 'URL', description: 'scheme://host:port for absolute URLs (@odata.nextLink, Location) behind a proxy' },
  throttle: { type: 'string', value: 'off|intune', default: 'off', description: 'intune: 2,000 reads and 200 writes per tenant per 20 s, then 429' },
  'log-level': { type: 'string', value: 'LEVEL', default: 'info', description: 'fatal, error, warn, info (a line per request), debug, trace or silent' },
  'log-format': { type: 'string', value: 'json|pretty', defaultText: 'pretty when stderr is a terminal, else json',
    description: 'pretty: one short line per request for people; json: pino\'s JSON lines for machines' },
  'no-auto-users': { type: 'boolean', description: 'creating a certificate for an unknown UPN answers 400 instead of creating the user' },
  'body-limit': { type: 'string', value: 'BYTES', default: String(1024 * 1024), description: 'request body limit in bytes (after decompression)' },
  'request-timeout-ms': { type: 'string', value: 'MS', default: '30000',
    description: 'how long a client may take to send a whole request (its headers: at most 10 s of it); then 408' },
  'grace-ms': { type: 'string', value: 'MS', default: '10000', description: 'how long SIGTERM/SIGINT wait for in-flight requests' },
  'pg-pool-size': { type: 'string', value: 'N', default: '10', description: 'PostgreSQL connections per instance' },
  'pg-statement-timeout-ms': { type: 'string', value: 'MS', default: '5000', description: 'PostgreSQL statement_timeout; the driver gives up 1 s later' },
  'pg-connect-timeout-ms': { type: 'string', value: 'MS', default: '3000', description: 'how long to wait for a PostgreSQL connection before answering 503' },
  seed: { type: 'string', value: 'FILE',
    description: 'load users and certificates from this JSON file at start ({"users":[…],"userPfxCertificates":[…]}); existing ones are skipped' },
  faults: { type: 'string', value: 'SPEC', description: 'fail API requests on purpose, for testing clients: ' +
    "'rate=0.2;status=429,503,504;latency=50-300ms;methods=POST,PATCH;paths=userPfxCertificates;after-commit=0.1;drop=0.05' " +
    '(keys: rate, status, retry-after, latency, after-commit, drop, methods, paths; see the README)' },
  'faults-seed': { type: 'string', value: 'N', defaultText: 'random, printed at start',
    description: 'seed of --faults: the same seed and the same requests give the same faults' },
  record: { type: 'string', value: 'FILE.har',
    description: 'write every request and response to a new HAR 1.2 file (made 0600; secrets redacted; never overwrites one)' },
});

type FlagName = keyof typeof SERVE_FLAGS;

/** `terminal`: whether the logs go to a terminal, which decides the default --log-format. */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, terminal = process.stderr.isTTY === true): ServeConfig {
  const { values } = parseFlags(argv, withoutDefaults());
  const get = (flag: FlagName): string | boolean | undefined => {
    const fromFlag = (values as Record<string, string | boolean | undefined>)[flag];
    if (fromFlag !== undefined) return fromFlag;
    const spec: FlagSpec = SERVE_FLAGS[flag];
    const fromEnv = env[spec.env!];
    if (fromEnv !== undefined && fromEnv !== '') {
      return spec.type === 'boolean' ? /^(1|true|yes|on)$/i.test(fromEnv) : fromEnv;
    }
    return spec.default;
  };
  const str = (flag: FlagName) => get(flag) as string | undefined;
  const dataDir = resolve(str('data')!);
  const auth = oneOf(str('auth')!, ['dev', 'oidc'] as const, '--auth');
  const config: ServeConfig = {
    host: str('host')!,
    port: integer(str('port')!, '--port', 0, 65535),
    dataDir,
    dbUrl: str('db') ?? `sqlite:${join(dataDir, 'pfxstore.db')}`,
    http: get('http') === true,
    tlsCertFile: str('tls-cert'),
    tlsKeyFile: str('tls-key'),
    auth,
    issuer: str('issuer'),
    audience: str('audience'),
    jwksUri: str('jwks-uri'),
    consoleClientId: str('console-client-id'),
    consoleScopes: consoleScopes(str('console-scopes'), str('audience')),
    publicUrl: str('public-url')?.replace(/\/+$/, ''),
    throttle: oneOf(str('throttle')!, ['off', 'intune'] as const, '--throttle'),
    logLevel: oneOf(str('log-level')!, ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, '--log-level'),
    logFormat: oneOf(str('log-format') ?? (terminal ? 'pretty' : 'json'), ['json', 'pretty'] as const, '--log-format'),
    autoUsers: get('no-auto-users') !== true,
    bodyLimitBytes: integer(str('body-limit')!, '--body-limit', 1024, 64 * 1024 * 1024),
    requestTimeoutMs: integer(str('request-timeout-ms')!, '--request-timeout-ms', 100, 600_000),
    graceMs: integer(str('grace-ms')!, '--grace-ms', 0, 600_000),
    pgPoolSize: integer(str('pg-pool-size')!, '--pg-pool-size', 1, 1000),
    pgStatementTimeoutMs: integer(str('pg-statement-timeout-ms')!, '--pg-statement-timeout-ms', 100, 600_000),
    pgConnectTimeoutMs: integer(str('pg-connect-timeout-ms')!, '--pg-connect-timeout-ms', 100, 600_000),
    seedFile: str('seed'),
    ...faultsOf(str('faults'), str('faults-seed')),
    recordFile: recordFile(str('record')),
  };
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together.');
  }
  if (auth === 'oidc' && (!config.issuer || !config.audience || !config.jwksUri)) {
    throw new UsageError('--auth oidc needs --issuer, --audience and --jwks-uri.');
  }
  if (auth === 'dev' && (str('console-client-id') !== undefined || str('console-scopes') !== undefined)) {
    throw new UsageError('--console-client-id and --console-scopes are for --auth oidc: the dev authority has its own console client and scopes.');
  }
  if (config.dbUrl !== 'memory' && !/^(sqlite:|postgres(ql)?:\/\/)/.test(config.dbUrl)) {
    throw new UsageError(`--db must be sqlite:<path>, postgres://… or memory, not '${config.dbUrl}'.`);
  }
  return Object.freeze(config);
}

/** A run with faults always has a seed, so that a failing run can be repeated with `--faults-seed`. */
function faultsOf(spec: string | undefined, seed: string | undefined): Pick<ServeConfig, 'faults' | 'faultsSeed'> {
  if (spec === undefined) {
    if (seed !== undefined) throw new UsageError('--faults-seed goes with --faults.');
    return {};
  }
  return {
    faults: parseFaultSpec(spec),
    faultsSeed: seed === undefined ? randomInt(0, MAX_SEED + 1) : integer(seed, '--faults-seed', 0, MAX_SEED),
  };
}

/** The PRNG's state is 32 bits: larger seeds would repeat smaller ones. */
const MAX_SEED = 0xffffffff;
/**
 * `--record FILE`: checked here so that a mistake stops `serve` before anything starts. A recording is never
 * overwritten (as no CLI command overwrites a file): the server creates the file itself (`wx`, har-file.ts),
 * which also catches one made in between.
 */
function recordFile(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const file = resolve(path);
  if (!existsSync(dirname(file))) throw new UsageError(`--record: the directory '${dirname(file)}' does not exist.`);
  if (existsSync(file)) throw new UsageError(recordExists(file));
  return file;
}

export function recordExists(file: string): string {
  return `--record: '${file}' already exists; a recording is never overwritten: remove it or name a new file.`;
}

/**
 * The console's scopes: as given, or the two delegated permissions it needs named under the API's first audience,
 * the way Entra ID names an API's scopes (`api://pfxstore/User.ReadWrite.All`, or Graph's own
 * `https://graph.microsoft.com/User.ReadWrite.All`).
 */
function consoleScopes(flag: string | undefined, audience: string | undefined): readonly string[] {
  if (flag !== undefined) {
    const scopes = flag.split(/[\s,]+/).filter(Boolean);
    if (scopes.length === 0) throw new UsageError('--console-scopes must name at least one scope.');
    return Object.freeze(scopes);
  }
  const resource = (audience ?? '').split(',')[0].trim().replace(/\/+$/, '');
  return Object.freeze(['openid', 'profile', ...['DeviceManagementConfiguration.ReadWrite.All', 'User.ReadWrite.All'].map((s) => (resource ? `${resource}/${s}` : s))]);
}

/** parseArgs would fill defaults and so hide the env var; defaults are applied in `get` instead. */
function withoutDefaults() {
  return Object.fromEntries(Object.entries(SERVE_FLAGS).map(([k, v]) => [k, { type: v.type, description: v.description }])) as
    Record<FlagName, { type: 'string' | 'boolean'; description: string }>;
}

function integer(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, not '${text}'.`);
  return n;
}

function oneOf<T extends string>(text: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not '${text}'.`);
  return text as T;
}
