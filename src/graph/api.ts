import type { FastifyInstance } from 'fastify';
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
  app.addHook('onRequest', async (request) => {
    request.principal = await deps.verifier.verify(request.headers.authorization);
    if (deps.throttle) {
      const waitSeconds = deps.throttle.take(request.principal.tenantId, request.method !== 'GET');
      if (waitSeconds > 0) throw GraphError.tooManyRequests(waitSeconds);
    }
  });

  const users = new UserService({ store, autoUsers: config.autoUsers });
  const certificates = new CertificateService({ store, secrets: deps.secrets, users });
  registerCertificateRoutes(app, { service: certificates, publicUrl: config.publicUrl });
  registerUserRoutes(app, { service: users, publicUrl: config.publicUrl });
  registerAuditRoutes(app, { store, publicUrl: config.publicUrl });
  registerBatchRoute(app);
}
