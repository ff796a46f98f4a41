import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizationCodes } from './authorization-codes.js';
import { type AuthorizeRequest, checkAuthorizeRequest, errorRedirect, REQUEST_PARAMS } from './authorize-request.js';
import { devIssuer, type DevIdentity } from './dev-identity.js';
import { sameSecret, tenantOf } from './oauth-replies.js';
import { serviceRoot } from './odata-response.js';
import { sendErrorPage, sendSignInPage } from './sign-in-page.js';
import { CONSOLE_REDIRECT_PATH } from './console-config.js';

export interface DevAuthorizeDeps {
  readonly identity: DevIdentity;
  readonly codes: AuthorizationCodes;
  readonly publicUrl?: string;
  readonly now?: () => number;
}

/** How long a sign-in page may stay open before its form is refused (the person starts again from the console). */
export const FORM_TTL_MS = 15 * 60_000;

const WRONG_SECRET = 'The dev client secret is wrong: use the one `pfxstore serve` printed.';
/** As the API checks a userPrincipalName (service/keys.ts), with Entra ID's length limit. */
const UPN = /^[^@\s]+@[^@\s]+$/;
const UPN_MAX_LENGTH = 113;

/**
 * The dev authority's authorization endpoint (authorization code + PKCE, for the console). GET checks the
 * request and shows the sign-in page; the page posts back to the same URL with the request in hidden fields, bound
 * to it by an HMAC under a key of this process, so a changed field or a form of another server start is refused.
 * The dev client secret is the gate: a dev server reachable by others does not sign them in.
 */
export function registerDevAuthorize(scope: FastifyInstance, deps: DevAuthorizeDeps): void {
  const bindingKey = randomBytes(32);
  const now = deps.now ?? Date.now;
  const binding = (request: AuthorizeRequest, issued: string) => createHmac('sha256', bindingKey)
    .update(JSON.stringify([request.tenantId, ...REQUEST_PARAMS.map((name) => request.params[name] ?? null), issued]))
    .digest('base64url');
  const showForm = (reply: FastifyReply, status: number, request: AuthorizeRequest, action: string, upn?: string, error?: string) => {
    const issued = String(now());
    const hidden = { ...request.params, issued, binding: binding(request, issued) };
    return sendSignInPage(reply, status, { action, tenantId: request.tenantId, hidden, userPrincipalName: upn, error });
  };
  /** Checks the request; answers its error itself (page or redirect) and returns undefined, or returns it. */
  const accept = (request: FastifyRequest, reply: FastifyReply, input: Record<string, unknown>): AuthorizeRequest | undefined => {
    const tenantId = tenantOf(request.params);
    const check = checkAuthorizeRequest(input, tenantId, `${serviceRoot(request, deps.publicUrl)}${CONSOLE_REDIRECT_PATH}`);
    if (check.kind === 'ok') return check.request;
    if (check.kind === 'page') sendErrorPage(reply, 400, check.message);
    else reply.header('cache-control', 'no-store').redirect(errorRedirect(check, devIssuer(tenantId!)), 302);
    return undefined;
  };

  scope.get('/:tenant/oauth2/v2.0/authorize', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const accepted = accept(request, reply, query);
    if (!accepted) return reply;
    const hint = typeof query.login_hint === 'string' ? query.login_hint : undefined;
    return showForm(reply, 200, accepted, pathOf(request), hint);
  });

  scope.post('/:tenant/oauth2/v2.0/authorize', async (request, reply) => {
    const form = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
    const accepted = accept(request, reply, form);
    if (!accepted) return reply;
    const issued = typeof form.issued === 'string' ? form.issued : '';
    if (typeof form.binding !== 'string' || !sameSecret(form.binding, binding(accepted, issued))) {
      return sendErrorPage(reply, 400, 'The sign-in form does not match its request (a field was changed, or the server restarted since the page was shown): start again from the console.');
    }
    if (!(now() - Number(issued) <= FORM_TTL_MS)) {
      return sendErrorPage(reply, 400, `The sign-in page was open for more than ${FORM_TTL_MS / 60_000} minutes: start again from the console.`);
    }
    const upn = typeof form.upn === 'string' ? form.upn.trim() : '';
    const secret = typeof form.dev_secret === 'string' ? form.dev_secret.trim() : '';
    if (!sameSecret(secret, deps.identity.clientSecret)) return showForm(reply, 400, accepted, pathOf(request), upn, WRONG_SECRET);
    if (!UPN.test(upn) || upn.length > UPN_MAX_LENGTH) {
      const shown = upn === '' ? 'The user principal name is empty' : `'${upn.slice(0, 64)}' is not a user principal name`;
      return showForm(reply, 400, accepted, pathOf(request), upn, `${shown}: write it as user@domain (at most ${UPN_MAX_LENGTH} characters).`);
    }
    const code = deps.codes.issue(deps.identity.tenantId, {
      tenantId: accepted.tenantId, clientId: accepted.clientId, redirectUri: accepted.redirectUri, codeChallenge: accepted.codeChallenge,
      userPrincipalName: upn, scopes: accepted.scopes, nonce: accepted.nonce,
    });
    const target = new URL(accepted.redirectUri);
    target.searchParams.set('code', code);
    if (accepted.state !== undefined) target.searchParams.set('state', accepted.state);
    target.searchParams.set('iss', devIssuer(accepted.tenantId));
    return reply.header('cache-control', 'no-store').redirect(target.href, 302);
  });
}

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0];
}
