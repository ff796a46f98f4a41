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
import { logDestination } from './log-format.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly devIdentity?: DevIdentity;
  readonly caPath?: string;
  /** Stops accepting, lets in-flight requests finish (up to graceMs), closes the store. */
  close(): Promise<void>;
}

/**
 * The server's lifecycle: open the store before listening; on close, drain, then close the store
 * (STYLE lesson 5). Used by `pfxstore serve` and by tests that need a real socket.
 */
export async function startServer(config: ServeConfig): Promise<RunningServer> {
  preparePrivateDir(config.dataDir);
  const devIdentity = config.auth === 'dev' ? await loadDevIdentity(config.dataDir) : undefined;
  const tls = config.http ? undefined : await tlsMaterial(config);
  const store = await openStore(config);
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp({
      config,
      store,
      verifier: devIdentity ? devTokenVerifier(devIdentity)
        : oidcTokenVerifier({ issuer: config.issuer!, audience: config.audience!, jwksUri: config.jwksUri! }),
      secrets: SecretBox.load(config.dataDir),
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
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    if (app) await closeRecording(app);
    await store.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    app,
    url: `${config.http ? 'http' : 'https'}://${host}:${port}`,
    devIdentity,
    caPath: tls?.caPath,
    close: () => closeGracefully(app, store, config.graceMs),
  };
}

async function tlsMaterial(config: ServeConfig): Promise<TlsMaterial> {
  if (config.tlsCertFile && config.tlsKeyFile) {
    return { cert: readFileSync(config.tlsCertFile, 'utf8'), key: readFileSync(config.tlsKeyFile, 'utf8') };
  }
  return loadDevTls(config.dataDir);
}

async function closeGracefully(app: FastifyInstance, store: Store, graceMs: number): Promise<void> {
  // app.close() stops accepting and waits for in-flight requests. A keep-alive connection whose request
  // finishes during the drain would hold close() open until its idle timeout, so idle sockets are closed as
  // they appear; past the grace period every connection is cut.
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      app.server.closeAllConnections();
      resolve();
    }, graceMs);
  });
  try {
    await Promise.race([app.close(), deadline]);
  } finally {
    clearInterval(sweep);
    clearTimeout(timer);
    // app.close() completes the recording too, unless the grace period ran out first.
    await closeRecording(app);
    await store.close();
  }
}
