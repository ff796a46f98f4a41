import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { devTokenVerifier } from '../../src/graph/auth.js';
import { buildApp, type AppDeps } from '../../src/server/app.js';
import { parseServeConfig, type ServeConfig } from '../../src/server/config.js';
import { loadDevIdentity, mintDevToken, type DevIdentity, type MintOptions } from '../../src/graph/dev-identity.js';
import { Metrics } from '../../src/server/metrics.js';
import { SecretBox } from '../../src/service/secret-box.js';
import type { Throttle } from '../../src/graph/throttle.js';
import type { Store } from '../../src/store/store.js';
import type { SeedDocument } from '../../src/service/seed-document.js';
import { planSeed } from '../../src/service/seed-plan.js';
import { TestClock } from './clock.js';
import type { StoreFactory } from './stores.js';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly identity: DevIdentity;
  readonly config: ServeConfig;
  readonly dataDir: string;
  /** The clock of the services' timestamps and of token checks: real time unless the test sets it. */
  readonly clock: TestClock;
  /** A token for the default tenant with the default roles, unless told otherwise. */
  token(options?: MintOptions): Promise<string>;
  /** app.inject with a bearer token (the default one unless `token` is given; `token: null` sends none). */
  call(options: InjectOptions & { token?: string | null; json?: unknown }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A fully built app (real store, real signed tokens) driven through inject, for the HTTP-surface tests. */
export async function makeTestApp(factory: StoreFactory,
  options: { args?: string[]; throttle?: Throttle; logger?: AppDeps['logger']; seed?: SeedDocument; consoleDir?: string } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pfxstore-test-'));
  const config = parseServeConfig(['--data', dataDir, '--log-level', 'silent', ...(options.args ?? [])], {});
  const identity = await loadDevIdentity(dataDir);
  const opened = await factory.open(dataDir);
  const clock = new TestClock();
  const app = await buildApp({
    config,
    store: opened.store,
    verifier: devTokenVerifier(identity, { now: clock.now }),
    secrets: SecretBox.load(dataDir, {}),
    metrics: new Metrics(),
    throttle: options.throttle,
    devIdentity: identity,
    logger: options.logger ?? false,
    now: clock.now,
    // Kept for `POST /_pfxstore/reset?reseed=true`, which loads it (startServer would load it at start).
    seed: () => options.seed && planSeed(options.seed, { defaultTenantId: identity.tenantId }),
    consoleDir: options.consoleDir,
  });
  const defaultToken = await mintDevToken(identity);
  return {
    app,
    store: opened.store,
    identity,
    config,
    dataDir,
    clock,
    token: (mint) => mintDevToken(identity, mint),
    async call({ token, json, headers, ...rest }) {
      const auth = token === null ? {} : { authorization: `Bearer ${token ?? defaultToken}` };
      const body = json === undefined ? {} : { payload: JSON.stringify(json), headers: { 'content-type': 'application/json', ...auth, ...headers } };
      return app.inject({ headers: { ...auth, ...headers }, ...rest, ...body } as InjectOptions);
    },
    async close() {
      await app.close();
      await opened.store.close();
      await opened.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
