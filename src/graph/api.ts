import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../server/app.js';
import { CertificateService } from '../service/certificate-service.js';
import { UserService } from '../service/user-service.js';
import { registerAuditRoutes } from './audit-events.js';
import { registerBatchRoute } from './batch.js';
import { registerCertificateRoutes } from './certificates.js';
import { GraphError } from './errors.js';
import { registerUserRoutes } from './users.js';

/**
 * One API version's routes, all behind bearer authentication (CONTRACT §2). `$metadata` and the service
 * document are public and live in public-routes.ts.
 */
export async function registerApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { store, config } = deps;
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

  const users = new UserService({ store, autoUsers: config.autoUsers });
  const certificates = new CertificateService({ store, secrets: deps.secrets, users });
  registerCertificateRoutes(app, { service: certificates, publicUrl: config.publicUrl });
  registerUserRoutes(app, { service: users, publicUrl: config.publicUrl });
  registerAuditRoutes(app, { store, publicUrl: config.publicUrl });
  registerBatchRoute(app, config.publicUrl);
}
