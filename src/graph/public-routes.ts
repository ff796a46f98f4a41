import type { FastifyInstance, FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { ApiDeps } from './api-deps.js';
import { devIssuer, mintDevToken, type DevIdentity } from './dev-identity.js';
import { StoreUnavailableError } from '../model/errors.js';
import { GUID } from '../model/guid.js';
import { decodeBody } from './body-parsing.js';
import { STORE_RETRY_AFTER_SECONDS } from './errors.js';
import { metadataXml } from './metadata.js';
import { sendJson, serviceRoot } from './odata-response.js';
import { API_VERSIONS } from './versions.js';

const TOKEN_TTL_S = 3600;

/** Routes that need no token: probes, metrics, `$metadata`, the service document, and dev-mode OAuth. */
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
  if (deps.devIdentity) registerDevOAuth(app, deps.devIdentity, deps.publicUrl);
}

/**
 * Dev-mode identity provider: the client-credentials grant and the OpenID metadata a standard client library
 * discovers, shaped like Entra ID's (`/{tenant}/oauth2/v2.0/token`, `/{tenant}/v2.0/.well-known/openid-configuration`).
 * MSAL and @azure/identity reach it with instance discovery off (`knownAuthorities`, `disableInstanceDiscovery`).
 */
function registerDevOAuth(app: FastifyInstance, identity: DevIdentity, publicUrl: string | undefined): void {
  app.register(async (scope) => {
    scope.addHook('preParsing', decodeBody);
    // OAuth2 posts forms (RFC 6749 §4.4.2); only these routes accept them.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    scope.get('/:tenant/v2.0/.well-known/openid-configuration', async (request, reply) => {
      const tenant = tenantOf(request.params);
      if (!tenant) return oauthError(reply, 400, 'invalid_tenant', 'The tenant must be a GUID.');
      const base = `${serviceRoot(request, publicUrl)}/${tenant}`;
      // MSAL (and so @azure/identity) refuses a document without all four endpoints; each one listed answers.
      return reply.send({
        issuer: devIssuer(tenant),
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        // Required by RFC 8414 and OpenID discovery; empty because the authorization endpoint grants nothing yet.
        response_types_supported: [],
        grant_types_supported: ['client_credentials'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        // Omitted, OpenID discovery reads this as true.
        request_uri_parameter_supported: false,
        tenant_region_scope: null,
      });
    });

    // Advertised so that discovery is complete; the interactive flows it serves do not exist yet, and with no
    // registered redirect URIs an error must not be redirected (RFC 6749 §4.1.2.1): it is answered here.
    scope.get('/:tenant/oauth2/v2.0/authorize', async (request, reply) => {
      if (!tenantOf(request.params)) return oauthError(reply, 400, 'invalid_request', 'The tenant in the path must be a GUID.');
      return oauthError(reply, 400, 'unsupported_response_type',
        'The dev authority has no interactive sign-in yet: only the client-credentials grant, at the token endpoint, is available.');
    });

    scope.get('/:tenant/discovery/v2.0/keys', async (_request, reply) => reply.send({ keys: [identity.publicJwk] }));

    scope.post('/:tenant/oauth2/v2.0/token', async (request, reply) => {
      const tenant = tenantOf(request.params);
      if (!tenant) return oauthError(reply, 400, 'invalid_request', 'The tenant in the path must be a GUID.');
      const form = (request.body ?? {}) as Record<string, string>;
      const basic = basicCredentials(request.headers.authorization);
      const secret = form.client_secret ?? basic?.secret;
      if (form.grant_type !== 'client_credentials') {
        return oauthError(reply, 400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
      }
      if (!secret || !sameSecret(secret, identity.clientSecret)) {
        return oauthError(reply, 401, 'invalid_client', "client_secret is wrong: use the dev client secret 'serve' printed (kept in --data/client-secret).");
      }
      const accessToken = await mintDevToken(identity, { tenantId: tenant, appId: form.client_id ?? basic?.id, ttlSeconds: TOKEN_TTL_S });
      return reply.header('cache-control', 'no-store').send({
        token_type: 'Bearer', expires_in: TOKEN_TTL_S, ext_expires_in: TOKEN_TTL_S, access_token: accessToken,
      });
    });
  });
}

function tenantOf(params: unknown): string | undefined {
  const tenant = (params as { tenant?: string }).tenant ?? '';
  return GUID.test(tenant) ? tenant.toLowerCase() : undefined;
}

function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const [id, ...rest] = Buffer.from(match[1], 'base64').toString('utf8').split(':');
  return { id: formDecode(id), secret: formDecode(rest.join(':')) };
}

/** RFC 6749 §2.3.1 form-encodes Basic credentials; a malformed escape is taken as it is, not a 500. */
function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
