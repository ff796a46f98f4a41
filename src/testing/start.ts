import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { JWK } from 'jose';
import { devIdentity, mintDevToken, newSigningJwk } from '../graph/dev-identity.js';
import { parseServeConfig } from '../server/config.js';
import { makeDevChain } from '../server/dev-tls.js';
import { AppHost, type HostedServer } from '../server/app-host.js';
import type { TlsMaterial } from '../server/dev-tls.js';
import { startServer } from '../server/listen.js';
import { readSeedFile } from '../server/seed.js';
import type { SeedDocument } from '../service/seed-document.js';
import { SecretBox } from '../service/secret-box.js';
import { parseDuration } from '../util/duration.js';

/** What a test may ask of the server; everything else is `serve`'s default with `--auth dev`. */
export interface PfxstoreOptions {
  /**
   * Known data loaded at start, as `serve --seed`: a path to a seed file, or the document itself
   * (`{ users: [...], userPfxCertificates: [...] }`, Graph request bodies). `reset({ reseed: true })` loads it again.
   */
  readonly seed?: string | SeedDocument;
  /** The store: `memory` (the default), `sqlite:<path>` or `postgres://…`, as `serve --db`. */
  readonly db?: string;
  /**
   * Failures on purpose, as `serve --faults`: `'rate=0.2;status=429,503;after-commit=0.1'` (README, "Failures on
   * purpose"). A malformed spec rejects with the usage error naming the piece.
   */
  readonly faults?: string;
  /** The seed of `faults`' draws: the same seed and the same requests give the same faults. Random when absent. */
  readonly faultsSeed?: number;
  /** Write every request and response to this new file as HAR 1.2, secrets redacted, as `serve --record`. */
  readonly record?: string;
  /** Plain HTTP instead of HTTPS with a development CA (`caPem`). */
  readonly http?: boolean;
  /** `serve --log-level`; `silent` unless set. */
  readonly logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** The options of `pfxstore token`. */
export interface TokenOptions {
  /** The tenant (tid); the server's own unless set. */
  readonly tenant?: string;
  /** An application token with these roles; by default both ReadWrite.All permissions. */
  readonly roles?: readonly string[];
  /** A delegated token with these scopes (scp) instead of roles. */
  readonly scopes?: readonly string[];
  /** With `scopes`: the signed-in user. */
  readonly upn?: string;
  /** How long the token is valid: `90s`, `15m`, `1h` (the default), `7d`, or seconds. */
  readonly ttl?: string | number;
}

export interface RunningPfxstore {
  /** The Graph service root to give a client: `https://127.0.0.1:PORT/beta`. */
  readonly url: string;
  /** `https://127.0.0.1:PORT`: the authority host for MSAL and @azure/identity, and the root of the OAuth routes. */
  readonly origin: string;
  readonly tenantId: string;
  /** The dev client secret: what the token endpoint takes for the client-credentials grant. */
  readonly clientSecret: string;
  /** The CA that signed the server's certificate (absent with `http: true`), for a client to trust. */
  readonly caPem?: string;
  /** With `faults`: the seed in use, to repeat a failing run with `faultsSeed`. */
  readonly faultsSeed?: number;
  /** A signed access token the server accepts, as `pfxstore token` makes. */
  token(options?: TokenOptions): Promise<string>;
  /** Removes every record of the server's tenant (`POST /_pfxstore/reset`); with `reseed`, loads the seed again. */
  reset(options?: { reseed?: boolean }): Promise<void>;
  /** Stops the server; in-flight requests are answered first. */
  stop(): Promise<void>;
}

/** The slow parts of a dev identity, made once per process and shared by every server it starts. */
interface SharedKeys {
  readonly signingJwk: JWK;
  readonly tls: { readonly caPem: string; readonly leafPem: string; readonly leafKeyPem: string };
}

let sharedKeys: Promise<SharedKeys> | undefined;

function keys(): Promise<SharedKeys> {
  sharedKeys ??= Promise.all([newSigningJwk(), makeDevChain()]).then(([signingJwk, tls]) => ({ signingJwk, tls }));
  return sharedKeys;
}

/**
 * Starts pfxstore in this process on a free port of 127.0.0.1, with `--auth dev` and, unless told otherwise, the
 * memory store: nothing is read from or written to disk, and everything is gone after `stop()`. Each server has
 * a store, tenant and client secret of its own. The signing key and the TLS chain are made once per process,
 * since making them costs more than the rest of a start; and a server with no options but `seed` and `http`
 * is one more listener on an app built once per process (server/app-host.ts), since building the app costs
 * ten times what listening does. With `db`, `faults`, `faultsSeed`, `record` or `logLevel` the server gets an
 * app of its own, as `serve` would.
 */
export async function startPfxstore(options: PfxstoreOptions = {}): Promise<RunningPfxstore> {
  const { signingJwk, tls } = await keys();
  const seed = typeof options.seed === 'string' ? readSeedFile(options.seed) : options.seed;
  const tlsMaterial = options.http ? undefined : { cert: tls.leafPem, key: tls.leafKeyPem };
  const ownApp = [options.db, options.faults, options.faultsSeed, options.record, options.logLevel].some((o) => o !== undefined);
  const server: HostedServer & { readonly faultsSeed?: number } = ownApp
    ? await startOwnApp(options, { signingJwk, seed, tls: tlsMaterial })
    : await (await host()).listen({ seed, tls: tlsMaterial });
  const { url, identity } = server;
  const caPem = options.http ? undefined : tls.caPem;
  const token = async (tokenOptions: TokenOptions = {}) => mintDevToken(identity, {
    tenantId: tokenOptions.tenant?.toLowerCase(),
    roles: tokenOptions.roles,
    scopes: tokenOptions.scopes,
    upn: tokenOptions.upn,
    ttlSeconds: typeof tokenOptions.ttl === 'number' ? tokenOptions.ttl : parseDuration(tokenOptions.ttl ?? '1h', 'ttl'),
  });
  return {
    url: `${url}/beta`,
    origin: url,
    tenantId: identity.tenantId,
    clientSecret: identity.clientSecret,
    caPem,
    faultsSeed: server.faultsSeed,
    token,
    reset: async (resetOptions = {}) =>
      post(`${url}/_pfxstore/reset${resetOptions.reseed ? '?reseed=true' : ''}`, await token(), caPem),
    stop: () => server.close(),
  };
}

/**
 * The config every server starts from: `serve`'s defaults with `--auth dev` on a free port of 127.0.0.1. The
 * process environment is ignored (`{}`): a PFXSTORE_* variable set for the developer's own server must not
 * change the server a test starts.
 */
function serveConfig(options: PfxstoreOptions) {
  return parseServeConfig([
    '--host', '127.0.0.1', '--port', '0', '--auth', 'dev',
    '--db', options.db ?? 'memory',
    '--log-level', options.logLevel ?? 'silent', '--log-format', 'json',
    ...(options.http ? ['--http'] : []),
    ...(options.faults !== undefined ? ['--faults', options.faults] : []),
    ...(options.faultsSeed !== undefined ? ['--faults-seed', String(options.faultsSeed)] : []),
    ...(options.record !== undefined ? ['--record', options.record] : []),
  ], {}, false);
}

let sharedHost: Promise<AppHost> | undefined;

/** The process's app for servers with no options of their own, built at the first such start. */
function host(): Promise<AppHost> {
  sharedHost ??= keys().then(({ signingJwk }) =>
    AppHost.create({ config: serveConfig({}), signingJwk, secrets: SecretBox.ephemeral() }));
  // A failed build is not kept: the next start tries again.
  sharedHost.catch(() => { sharedHost = undefined; });
  return sharedHost;
}

/** A server on an app of its own, as `serve` starts one, with the process's keys handed over. */
async function startOwnApp(options: PfxstoreOptions, parts: { signingJwk: JWK; seed?: SeedDocument; tls?: TlsMaterial }) {
  const config = serveConfig(options);
  const identity = devIdentity({ privateJwk: parts.signingJwk });
  const server = await startServer(config, { seed: parts.seed, devIdentity: identity, tls: parts.tls, secrets: SecretBox.ephemeral() });
  return { url: server.url, identity, close: () => server.close(), faultsSeed: config.faultsSeed };
}

/** A POST with no body that must answer 2xx; node:http(s) rather than fetch, which cannot be told a CA per call. */
function post(url: string, token: string, ca: string | undefined): Promise<void> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', ca, headers: { authorization: `Bearer ${token}`, 'content-length': 0 } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if ((res.statusCode ?? 0) < 300) return resolve();
        reject(new Error(`POST ${url} answered ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8')}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}
