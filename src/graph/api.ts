import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from './api-deps.js';
import { registerAuditRoutes } from './audit-events.js';
import { registerBatchRoute } from './batch.js';
import { registerCertificateRoutes } from './certificates.js';
import { GraphError } from './errors.js';
import { registerUserRoutes } from './users.js';

/**
 * One API version's routes, all behind bearer authentication (CONTRACT §2). `$metadata` and the service
 * document are public and live in public-routes.ts.
 */
export async function registerApi(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { publicUrl } = deps;
  const throttle = (request: FastifyRequest) => {
    const waitSeconds = deps.throttle?.take(request.principal.tenantId, request.method !== 'GET') ?? 0;
    return waitSeconds > 0 ? GraphError.tooManyRequests(waitSeconds) : undefined;
  };
  // A token seen before is answered without a promise; a new one is verified (signature, times, issuer, audience).
  app.addHook('onRequest', (request, _reply, done) => {
    const known = deps.verifier.cached(request.headers.authorization);
    if (known) {
      request.principal = known;
      done(throttle(request));
      return;
    }
    deps.verifier.verify(request.headers.authorization).then((principal) => {
      request.principal = principal;
      done(throttle(request));
    }, done);
  });

  registerCertificateRoutes(app, { service: deps.certificates, publicUrl });
  registerUserRoutes(app, { service: deps.users, publicUrl });
  registerAuditRoutes(app, { service: deps.audit, publicUrl });
  registerBatchRoute(app, publicUrl);
}
