import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './api-deps.js';
import { DEV_CONSOLE_CLIENT_ID, DEV_CONSOLE_SCOPES } from './dev-console.js';
import { devIssuer } from './dev-identity.js';
import { sendError } from './error-reply.js';
import { GraphError } from './errors.js';
import { serviceRoot } from './odata-response.js';

/** Where the console comes back with `?code=…&state=…`, on this server's origin (or --public-url's). */
export const CONSOLE_REDIRECT_PATH = '/console/';

/**
 * `GET /console/config.json`: how the console signs in — which authority (its OpenID configuration), which
 * client, which scopes. No token needed (the console reads it before anyone signs in) and nothing secret in it.
 * Dev mode: the dev authority of the default tenant, whose issuer is not fetchable, hence `metadataUrl` on this
 * server. oidc mode: the identity provider, with --console-client-id; without that flag the console cannot sign in,
 * and the answer is a 404 saying so (the console shows the message).
 */
export function registerConsoleConfig(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/console/config.json', async (request, reply) => {
    reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    const origin = serviceRoot(request, deps.publicUrl);
    if (deps.devIdentity) {
      const tenant = deps.devIdentity.tenantId;
      return reply.send({
        issuer: devIssuer(tenant),
        metadataUrl: `${origin}/${tenant}/v2.0/.well-known/openid-configuration`,
        clientId: DEV_CONSOLE_CLIENT_ID,
        scopes: DEV_CONSOLE_SCOPES,
        redirectPath: CONSOLE_REDIRECT_PATH,
      });
    }
    const signIn = deps.consoleSignIn;
    if (!signIn) {
      return sendError(request, reply, GraphError.notFound(
        'Console sign-in is not configured: start pfxstore serve --auth oidc with --console-client-id (the identity provider\'s public SPA client whose redirect URI is ' +
        `${origin}${CONSOLE_REDIRECT_PATH}).`));
    }
    return reply.send({
      issuer: signIn.issuer,
      metadataUrl: `${signIn.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
      clientId: signIn.clientId,
      scopes: signIn.scopes,
      redirectPath: CONSOLE_REDIRECT_PATH,
    });
  });
}
