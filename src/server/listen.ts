import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { devTokenVerifier, oidcTokenVerifier } from '../graph/auth.js';
import { Throttle } from '../graph/throttle.js';
import { SecretBox } from '../service/secret-box.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { buildApp } from './app.js';
import { closeRecording } from './har-recorder.js';
import type { ServeConfig } from './config.js';
import { preparePrivateDir } from '../util/data-dir.js';
import { loadDevIdentity, type DevIdentity } from '../graph/dev-identity.js';
import { loadDevTls, type TlsMaterial } from './dev-tls.js';
import { Metrics } from './metrics.js';
import { drain, listeningUrl } from './node-server.js';
import { logDestination } from './log-format.js';
import { loadSeed, planServerSeed, type SeedDocument } from './seed.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly devIdentity?: DevIdentity;
  readonly caPath?: string;
  /** Stops accepting, lets in-flight requests finish (up to graceMs), closes the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Known data to load at start, instead of `config.seedFile` (--seed); kept for `reset?reseed=true`. */
  readonly seed?: SeedDocument;
  /** Handed over by `startPfxstore` instead of read from `--data`: with these three and the memory store, nothing touches disk. */
  readonly devIdentity?: DevIdentity;
  /** The TLS certificate and key (with no `caPath`: the caller knows its CA). */
  readonly tls?: TlsMaterial;
  readonly secrets?: SecretBox;
}

/**
 * The server's lifecycle: check the seed, open the store, load the seed, then listen; on close, drain, then
 * close the store (STYLE lesson 5). Used by `pfxstore serve`, `startPfxstore` and by tests that need a real
 * socket. A bad seed rejects with a SeedError naming each bad item before the store is opened, so nothing of it
 * is loaded.
 */
export async function startServer(config: ServeConfig, options: StartOptions = {}): Promise<RunningServer> {
  if (needsDataDir(config, options)) preparePrivateDir(config.dataDir);
  const devIdentity = config.auth === 'dev' ? options.devIdentity ?? await loadDevIdentity(config.dataDir) : undefined;
  const seed = planServerSeed({ seed: options.seed, seedFile: config.seedFile, defaultTenantId: devIdentity?.tenantId });
  const tls = config.http ? undefined : options.tls ?? await tlsMaterial(config);
  const secrets = options.secrets ?? SecretBox.load(config.dataDir);
  const store = await openStore(config);
  let app: FastifyInstance | undefined;
  try {
    const seeded = seed && await loadSeed({ store, secrets, autoUsers: config.autoUsers }, seed);
    app = await buildApp({
      config,
      store,
      verifier: devIdentity ? devTokenVerifier(devIdentity)
        : oidcTokenVerifier({ issuer: config.issuer!, audience: config.audience!, jwksUri: config.jwksUri! }),
      secrets,
      seed: () => seed,
      metrics: new Metrics(),
      throttle: config.throttle === 'intune' ? new Throttle() : undefined,
      devIdentity,
      https: tls && { cert: tls.cert, key: tls.key },
      logFormat: config.logFormat,
      logger: config.logLevel === 'silent' ? false : {
        level: config.logLevel,
        // Tokens are credentials: never in a log line.
        redact: ['req.headers.authorization'],
        // stdout carries the listening line that scripts read; logs go to stderr, as JSON or readable lines.
        stream: logDestination(config.logFormat),
      },
    });
    if (seeded) app.log.info({ seedCreated: seeded.created, seedSkipped: seeded.skipped }, 'seed loaded');
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    if (app) await closeRecording(app);
    await store.close();
    throw err;
  }
  return {
    app,
    url: listeningUrl(app.server, config.host, !config.http),
    devIdentity,
    caPath: tls?.caPath,
    close: () => closeGracefully(app, store, config.graceMs),
  };
}

/** Whether anything is read from `--data`: the SQLite file, or a part `options` does not hand over. */
function needsDataDir(config: ServeConfig, options: StartOptions): boolean {
  return config.dbUrl.startsWith('sqlite:') || !options.secrets
    || (config.auth === 'dev' && !options.devIdentity) || (!config.http && !options.tls);
}

async function tlsMaterial(config: ServeConfig): Promise<TlsMaterial> {
  if (config.tlsCertFile && config.tlsKeyFile) {
    return { cert: readFileSync(config.tlsCertFile, 'utf8'), key: readFileSync(config.tlsKeyFile, 'utf8') };
  }
  return loadDevTls(config.dataDir);
}

async function closeGracefully(app: FastifyInstance, store: Store, graceMs: number): Promise<void> {
  try {
    await drain(app.server, app.close(), graceMs);
  } finally {
    // app.close() completes the recording too, unless the grace period ran out first.
    await closeRecording(app);
    await store.close();
  }
}
