import type { FastifyInstance } from 'fastify';
import type { Seeder } from '../service/seeder.js';
import type { TokenVerifier } from './auth.js';
import { GraphError } from './errors.js';
import { rawQuery } from './odata-response.js';
import { requirePermission } from './permissions.js';
import { resource } from './resource.js';

export const RESET_PATH = '/_pfxstore/reset';

/**
 * `POST /_pfxstore/reset[?reseed=true]`: removes every record of the caller's tenant, then with `reseed=true`
 * loads that tenant's seed items again; 204. pfxstore's own (Graph has no such thing), outside the API
 * versions, and registered only with `--auth dev` (app.ts): with a real identity provider it is an unknown
 * path. Authenticated as the API is; it removes certificates and users, so it needs the write permission of
 * both (the default dev token holds them).
 */
export function registerResetRoute(app: FastifyInstance, deps: { verifier: TokenVerifier; seeder: Seeder }): void {
  void app.register(async (scope) => {
    scope.addHook('onRequest', (request, _reply, done) => {
      deps.verifier.verify(request.headers.authorization).then((principal) => {
        request.principal = principal;
        done();
      }, done);
    });
    resource(scope, RESET_PATH, {
      // The body, if any, is ignored: the one option travels in the query.
      POST: async (request, reply) => {
        requirePermission(request.principal, 'writeCertificates');
        requirePermission(request.principal, 'writeUsers');
        const reseed = reseedOption(rawQuery(request));
        await deps.seeder.reset(request.principal.tenantId, { reseed, requestId: request.id });
        return reply.code(204).send();
      },
    });
  });
}

/** `reseed=true|false` (absent: false); any other option or value is a 400 that names it. */
function reseedOption(query: string): boolean {
  let reseed: boolean | undefined;
  for (const [name, value] of new URLSearchParams(query)) {
    if (name !== 'reseed') {
      throw GraphError.badRequest(`The query option '${name}' is not supported on ${RESET_PATH}; its only option is 'reseed' (true or false).`);
    }
    if (reseed !== undefined) throw GraphError.badRequest("The query option 'reseed' is given more than once.");
    if (value !== 'true' && value !== 'false') {
      throw GraphError.badRequest(`The query option 'reseed' must be true or false, not '${value.slice(0, 64)}'.`);
    }
    reseed = value === 'true';
  }
  return reseed ?? false;
}
