import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './api-deps.js';
import { registerConsoleConfig } from './console-config.js';
import { registerDevOAuth } from './dev-oauth.js';
import { StoreUnavailableError } from '../model/errors.js';
import { STORE_RETRY_AFTER_SECONDS } from './errors.js';
import { metadataXml } from './metadata.js';
import { sendJson, serviceRoot } from './odata-response.js';
import { API_VERSIONS } from './versions.js';

/** Routes that need no token: probes, metrics, `$metadata`, the service document, dev-mode OAuth, the console's config. */
export function registerPublicRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/healthz', async (_request, reply) => reply.header('content-type', 'text/plain').send('ok'));
  app.get('/readyz', async (request, reply) => {
    try {
      await deps.ready();
      return reply.header('content-type', 'text/plain').send('ready');
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) request.log.error({ err }, 'readiness check failed');
      return reply.code(503).header('retry-after', String(STORE_RETRY_AFTER_SECONDS)).header('content-type', 'text/plain').send('store unreachable');
    }
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(await deps.metricsText()));

  const metadata = metadataXml();
  for (const version of API_VERSIONS) {
    app.get(`/${version}/$metadata`, async (_request, reply) =>
      reply.header('content-type', 'application/xml;charset=utf-8').send(metadata));
    app.get(`/${version}`, async (request, reply) => sendJson(reply, 200, {
      '@odata.context': `${serviceRoot(request, deps.publicUrl)}/${version}/$metadata`,
      value: [
        { name: 'users', kind: 'EntitySet', url: 'users' },
        { name: 'deviceManagement', kind: 'Singleton', url: 'deviceManagement' },
      ],
    }));
  }
  if (deps.devIdentity) registerDevOAuth(app, deps.devIdentity, deps);
  registerConsoleConfig(app, deps);
}
