import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import { devTokenVerifier } from '../graph/auth.js';
import { devIdentity, type DevIdentity } from '../graph/dev-identity.js';
import type { SecretBox } from '../service/secret-box.js';
import type { SeedDocument } from '../service/seed-document.js';
import type { SeedPlan } from '../service/seed-plan.js';
import { openStore } from '../store/open-store.js';
import { RoutedStore } from '../store/routed-store.js';
import type { Store } from '../store/store.js';
import { buildApp } from './app.js';
import type { ServeConfig } from './config.js';
import type { TlsMaterial } from './dev-tls.js';
import { Metrics, processMetrics, type ServerMetrics } from './metrics.js';
import { createListener, drain, listeningUrl } from './node-server.js';
import { loadSeed, planServerSeed } from './seed.js';

/** What each server on a host has of its own; the app's store, seed, metrics and identity are these. */
interface Own {
  readonly store: Store;
  readonly seed?: SeedPlan;
  readonly metrics: Metrics;
  /** A tenant and client secret of its own; the signing key is the host's. */
  readonly identity: DevIdentity;
}

export interface HostedServer {
  /** `http(s)://127.0.0.1:PORT` */
  readonly url: string;
  readonly identity: DevIdentity;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes the server's store. */
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * One app serving many servers, each on a port, with a store, seed, tenant, client secret and metrics of its
 * own: what `startPfxstore` starts servers on. Building the app — Fastify and its ~100 routes — is ~20 ms of a
 * fresh server's start, against ~2 ms for node:http to listen and answer, and a test suite starts many. So the
 * app is built once, and each server is a listener whose requests run with their server's own parts in an
 * AsyncLocalStorage, where the app's store, seed, metrics and identity look them up (RoutedStore and the
 * objects below). What the parts do not hold is shared by design: the signing key (tokens of one server are
 * valid at another, as they are between two servers with one `--data`), the key at rest, the app's code.
 */
export class AppHost {
  private constructor(
    private readonly config: ServeConfig,
    private readonly signingJwk: JWK,
    private readonly secrets: SecretBox,
    private readonly requests: AsyncLocalStorage<Own>,
    private readonly handler: Handler,
  ) {}

  /** The process's metrics, in every server's /metrics: one event-loop monitor for all. */
  private readonly process = processMetrics();

  /** Builds the app for `config` (`--auth dev`; its `--db` is each server's store), signing with `signingJwk`. */
  static async create(options: { config: ServeConfig; signingJwk: JWK; secrets: SecretBox }): Promise<AppHost> {
    const requests = new AsyncLocalStorage<Own>();
    const own = (): Own => requests.getStore() ?? outsideAnyServer();
    const shared = devIdentity({ privateJwk: options.signingJwk });
    const identity: DevIdentity = {
      get tenantId() { return own().identity.tenantId; },
      get clientSecret() { return own().identity.clientSecret; },
      privateJwk: shared.privateJwk,
      publicJwk: shared.publicJwk,
      kid: shared.kid,
    };
    const metrics: ServerMetrics = {
      get faults() { return own().metrics.faults; },
      observe: (route, method, status, elapsedMs) => own().metrics.observe(route, method, status, elapsedMs),
      text: (expiry) => own().metrics.text(expiry),
    };
    let handler: Handler | undefined;
    const app = await buildApp({
      config: options.config,
      store: new RoutedStore(() => own().store),
      verifier: devTokenVerifier(shared),
      secrets: options.secrets,
      metrics,
      devIdentity: identity,
      seed: () => own().seed,
      logger: false,
      // The app's own server is never listened on: it only hands over the handler the listeners serve.
      serverFactory: (appHandler) => {
        handler = appHandler;
        return createServer();
      },
    });
    await app.ready();
    return new AppHost(options.config, options.signingJwk, options.secrets, requests, handler!);
  }

  /**
   * A new server on a free port of the config's host: a fresh tenant and client secret, a store opened from the
   * config's `--db`, the seed loaded into it, HTTPS with `tls` (else HTTP). A bad seed rejects with a SeedError
   * before anything is opened.
   */
  async listen(options: { tls?: TlsMaterial; seed?: SeedDocument } = {}): Promise<HostedServer> {
    const identity = devIdentity({ privateJwk: this.signingJwk });
    const seed = planServerSeed({ seed: options.seed, defaultTenantId: identity.tenantId });
    const store = await openStore(this.config);
    const own: Own = { store, seed, metrics: new Metrics(this.process), identity };
    let server: Server;
    try {
      if (seed) await loadSeed({ store, secrets: this.secrets, autoUsers: this.config.autoUsers }, seed);
      server = createListener({ requestTimeoutMs: this.config.requestTimeoutMs, tls: options.tls },
        (req, res) => this.requests.run(own, this.handler, req, res));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, this.config.host, () => resolve());
      });
    } catch (err) {
      await store.close();
      throw err;
    }
    return {
      url: listeningUrl(server, this.config.host, options.tls !== undefined),
      identity,
      close: async () => {
        try {
          await drain(server, new Promise((resolve) => server.close(resolve)), this.config.graceMs);
        } finally {
          await store.close();
        }
      },
    };
  }
}

function outsideAnyServer(): never {
  throw new Error("The host's app was asked for a server's part outside any request to one of its servers.");
}
