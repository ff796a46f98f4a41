import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './api-deps.js';
import { AuthorizationCodes } from './authorization-codes.js';
import { decodeBody } from './body-parsing.js';
import { DEV_GRANTABLE_SCOPES, OPENID_SCOPES } from './dev-console.js';
import { registerDevAuthorize } from './dev-authorize.js';
import { redeemAuthorizationCode } from './dev-code-grant.js';
import { devIssuer, mintDevToken, type DevIdentity } from './dev-identity.js';
import { oauthError, sameSecret, tenantOf } from './oauth-replies.js';
import { serviceRoot } from './odata-response.js';

const TOKEN_TTL_S = 3600;

/**
 * Dev-mode identity provider, shaped like Entra ID's (`/{tenant}/oauth2/v2.0/token`, `/authorize`,
 * `/{tenant}/v2.0/.well-known/openid-configuration`): the client-credentials grant for programs, and the
 * authorization-code grant with PKCE for the console (dev-authorize.ts, dev-code-grant.ts).
 * MSAL and @azure/identity reach it with instance discovery off (`knownAuthorities`, `disableInstanceDiscovery`).
 */
export function registerDevOAuth(app: FastifyInstance, identity: DevIdentity, deps: ApiDeps): void {
  const publicUrl = deps.publicUrl;
  const codes = new AuthorizationCodes(deps.now);
  app.register(async (scope) => {
    scope.addHook('preParsing', decodeBody);
    // OAuth2 posts forms (RFC 6749 §4.4.2), and so does the sign-in page; only these routes accept them.
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
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code', 'client_credentials'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: [...OPENID_SCOPES, ...DEV_GRANTABLE_SCOPES],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        // `none`: the console is a public client and proves itself with PKCE instead.
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'none'],
        // RFC 9207: the redirect back carries `iss`, so a client talking to several authorities cannot be mixed up.
        authorization_response_iss_parameter_supported: true,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'tid', 'oid', 'preferred_username', 'name'],
        // Omitted, OpenID discovery reads this as true.
        request_uri_parameter_supported: false,
        tenant_region_scope: null,
      });
    });

    registerDevAuthorize(scope, { identity, codes, publicUrl, now: deps.now });

    scope.get('/:tenant/discovery/v2.0/keys', async (_request, reply) => reply.send({ keys: [identity.publicJwk] }));

    scope.post('/:tenant/oauth2/v2.0/token', async (request, reply) => {
      const tenant = tenantOf(request.params);
      if (!tenant) return oauthError(reply, 400, 'invalid_request', 'The tenant in the path must be a GUID.');
      const form = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, string>;
      if (form.grant_type === 'authorization_code') {
        const result = await redeemAuthorizationCode(form, tenant, { identity, codes, users: deps.users, tokenTtlSeconds: TOKEN_TTL_S });
        if (!result.ok) return oauthError(reply, result.status, result.error, result.description);
        return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(result.body);
      }
      if (form.grant_type !== 'client_credentials') {
        return oauthError(reply, 400, 'unsupported_grant_type', 'Only grant_type=client_credentials and grant_type=authorization_code are supported.');
      }
      const basic = basicCredentials(request.headers.authorization);
      const secret = form.client_secret ?? basic?.secret;
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
