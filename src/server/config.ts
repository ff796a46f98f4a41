import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { UsageError } from '../util/usage-error.js';

export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** `sqlite:<path>` or `postgres://…`. */
  readonly dbUrl: string;
  readonly http: boolean;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly auth: 'dev' | 'oidc';
  readonly issuer?: string;
  readonly audience?: string;
  readonly jwksUri?: string;
  readonly publicUrl?: string;
  readonly throttle: 'off' | 'intune';
  readonly logLevel: string;
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
}

/** Flags of `serve`; each is also read from PFXSTORE_<FLAG> (dashes as underscores), the flag winning. */
const SERVE_OPTIONS = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8443' },
  data: { type: 'string', default: './.pfxstore' },
  db: { type: 'string' },
  http: { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  auth: { type: 'string', default: 'dev' },
  issuer: { type: 'string' },
  audience: { type: 'string' },
  'jwks-uri': { type: 'string' },
  'public-url': { type: 'string' },
  throttle: { type: 'string', default: 'off' },
  'log-level': { type: 'string', default: 'info' },
  'no-auto-users': { type: 'boolean' },
  'body-limit': { type: 'string', default: String(1024 * 1024) },
  'request-timeout-ms': { type: 'string', default: '30000' },
  'grace-ms': { type: 'string', default: '10000' },
  'pg-pool-size': { type: 'string', default: '10' },
  'pg-statement-timeout-ms': { type: 'string', default: '5000' },
  'pg-connect-timeout-ms': { type: 'string', default: '3000' },
} as const;

type FlagName = keyof typeof SERVE_OPTIONS;

export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const { values } = parseArgs({ args: [...argv], options: withoutDefaults(), strict: true, allowPositionals: false });
  const get = (flag: FlagName): string | boolean | undefined => {
    const fromFlag = (values as Record<string, string | boolean | undefined>)[flag];
    if (fromFlag !== undefined) return fromFlag;
    const fromEnv = env[`PFXSTORE_${flag.toUpperCase().replace(/-/g, '_')}`];
    if (fromEnv !== undefined && fromEnv !== '') {
      return SERVE_OPTIONS[flag].type === 'boolean' ? /^(1|true|yes|on)$/i.test(fromEnv) : fromEnv;
    }
    return 'default' in SERVE_OPTIONS[flag] ? (SERVE_OPTIONS[flag] as { default: string }).default : undefined;
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
    publicUrl: str('public-url')?.replace(/\/+$/, ''),
    throttle: oneOf(str('throttle')!, ['off', 'intune'] as const, '--throttle'),
    logLevel: oneOf(str('log-level')!, ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, '--log-level'),
    autoUsers: get('no-auto-users') !== true,
    bodyLimitBytes: integer(str('body-limit')!, '--body-limit', 1024, 64 * 1024 * 1024),
    requestTimeoutMs: integer(str('request-timeout-ms')!, '--request-timeout-ms', 100, 600_000),
    graceMs: integer(str('grace-ms')!, '--grace-ms', 0, 600_000),
    pgPoolSize: integer(str('pg-pool-size')!, '--pg-pool-size', 1, 1000),
    pgStatementTimeoutMs: integer(str('pg-statement-timeout-ms')!, '--pg-statement-timeout-ms', 100, 600_000),
    pgConnectTimeoutMs: integer(str('pg-connect-timeout-ms')!, '--pg-connect-timeout-ms', 100, 600_000),
  };
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together.');
  }
  if (auth === 'oidc' && (!config.issuer || !config.audience || !config.jwksUri)) {
    throw new UsageError('--auth oidc needs --issuer, --audience and --jwks-uri.');
  }
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(config.dbUrl)) {
    throw new UsageError(`--db must be sqlite:<path> or postgres://…, not '${config.dbUrl}'.`);
  }
  return Object.freeze(config);
}

/** parseArgs would fill defaults and so hide the env var; defaults are applied in `get` instead. */
function withoutDefaults() {
  return Object.fromEntries(Object.entries(SERVE_OPTIONS).map(([k, v]) => [k, { type: v.type }])) as
    Record<FlagName, { type: 'string' | 'boolean' }>;
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
