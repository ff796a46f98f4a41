import { DEV_CONSOLE_CLIENT_ID, DEV_DELEGATED_SCOPES, DEV_GRANTABLE_SCOPES, OPENID_SCOPES } from './dev-console.js';
import { GRAPH_AUDIENCE } from './dev-identity.js';

/** The parameters of an authorization request that travel with it, in the query and in the sign-in form. */
export const REQUEST_PARAMS = [
  'response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'response_mode',
] as const;

export type RequestParams = Partial<Record<(typeof REQUEST_PARAMS)[number], string>>;

/** A request that may go on to sign-in: the client and redirect URI are known, PKCE is there, the scopes grantable. */
export interface AuthorizeRequest {
  readonly tenantId: string;
  readonly params: RequestParams;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  /** What the code will grant: the OpenID scopes asked for and the delegated permissions by short name. */
  readonly scopes: readonly string[];
  readonly state?: string;
  readonly nonce?: string;
}

/**
 * The outcome of checking a request. RFC 6749 §4.1.2.1: with an unknown client or redirect URI the error is shown
 * to the person (`page`), never sent to that URI; any other error goes back to the client (`redirect`).
 */
export type AuthorizeCheck =
  | { readonly kind: 'ok'; readonly request: AuthorizeRequest }
  | { readonly kind: 'page'; readonly message: string }
  | { readonly kind: 'redirect'; readonly redirectUri: string; readonly error: string; readonly description: string; readonly state?: string };

/** RFC 7636 §4.2: BASE64URL(SHA-256(verifier)) is 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Checks an authorization request (query of the GET, or the fields of the sign-in form) against the one client
 * the dev authority knows. `consoleRedirectUri` is `<origin>/console/` as this request reached the server.
 */
export function checkAuthorizeRequest(input: Record<string, unknown>, tenantId: string | undefined, consoleRedirectUri: string): AuthorizeCheck {
  if (!tenantId) return { kind: 'page', message: 'The tenant in the path must be a GUID: /{tenant-id}/oauth2/v2.0/authorize.' };
  const repeated = REQUEST_PARAMS.filter((name) => Array.isArray(input[name]));
  const params = Object.fromEntries(REQUEST_PARAMS.map((name) => [name, single(input[name])]).filter(([, v]) => v !== undefined)) as RequestParams;
  const clientId = params.client_id;
  if (!clientId) return { kind: 'page', message: 'The request has no client_id.' };
  if (clientId.toLowerCase() !== DEV_CONSOLE_CLIENT_ID) {
    return { kind: 'page', message: `The client_id '${clientId.slice(0, 80)}' is not known here: the dev authority signs in only the console (client_id ${DEV_CONSOLE_CLIENT_ID}).` };
  }
  const redirectUri = params.redirect_uri;
  if (!redirectUri) return { kind: 'page', message: 'The request has no redirect_uri.' };
  if (redirectUri !== consoleRedirectUri) {
    return { kind: 'page', message: `The redirect_uri '${redirectUri.slice(0, 200)}' is not registered for the console: it must be exactly '${consoleRedirectUri}'.` };
  }
  if (repeated.includes('client_id') || repeated.includes('redirect_uri')) {
    return { kind: 'page', message: `The parameter '${repeated[0]}' is repeated; send each parameter once.` };
  }
  const state = params.state;
  const fail = (error: string, description: string): AuthorizeCheck => ({ kind: 'redirect', redirectUri, error, description, state });
  if (repeated.length > 0) return fail('invalid_request', `The parameter '${repeated[0]}' is repeated; send each parameter once.`);
  if (params.response_type !== 'code') {
    return params.response_type
      ? fail('unsupported_response_type', `response_type '${params.response_type.slice(0, 40)}' is not supported: use the authorization-code flow, response_type=code.`)
      : fail('invalid_request', 'The request has no response_type: send response_type=code.');
  }
  if (params.response_mode !== undefined && params.response_mode !== 'query') {
    return fail('invalid_request', `response_mode '${params.response_mode.slice(0, 40)}' is not supported: the code is returned in the query (response_mode=query).`);
  }
  if (!params.code_challenge) return fail('invalid_request', 'The request has no code_challenge: PKCE (RFC 7636) with code_challenge_method=S256 is required.');
  if (params.code_challenge_method !== 'S256') {
    return fail('invalid_request', `code_challenge_method must be S256, not '${(params.code_challenge_method ?? 'plain (the default)').slice(0, 40)}'.`);
  }
  if (!S256_CHALLENGE.test(params.code_challenge)) {
    return fail('invalid_request', 'code_challenge must be the base64url SHA-256 of the code_verifier: 43 characters of A-Z, a-z, 0-9, - and _.');
  }
  const scopes = grantedScopes(params.scope ?? '');
  if (typeof scopes === 'string') return fail('invalid_scope', scopes);
  return {
    kind: 'ok',
    request: { tenantId, params, clientId: DEV_CONSOLE_CLIENT_ID, redirectUri, codeChallenge: params.code_challenge, scopes, state, nonce: params.nonce },
  };
}

/**
 * The scopes a request is granted, or why one of them cannot be. Delegated permissions are named as Entra ID
 * accepts them, bare or prefixed with the Graph resource; `.default` (or none at all) means the console's two.
 */
function grantedScopes(scope: string): string[] | string {
  const openid: string[] = [];
  const delegated = new Set<string>();
  for (const item of scope.split(' ').filter(Boolean)) {
    const name = item.startsWith(`${GRAPH_AUDIENCE}/`) ? item.slice(GRAPH_AUDIENCE.length + 1) : item;
    if (OPENID_SCOPES.has(item)) openid.push(item);
    else if (name === '.default') DEV_DELEGATED_SCOPES.forEach((s) => delegated.add(s));
    else if (DEV_GRANTABLE_SCOPES.has(name)) delegated.add(name);
    else return `The scope '${item.slice(0, 100)}' is not one the dev authority grants; it grants ${[...OPENID_SCOPES, ...DEV_GRANTABLE_SCOPES].join(', ')} (and .default).`;
  }
  if (delegated.size === 0) DEV_DELEGATED_SCOPES.forEach((s) => delegated.add(s));
  return [...new Set(openid), ...delegated];
}

function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Where an error goes back to the client: the redirect URI with error, error_description, state and iss (RFC 9207). */
export function errorRedirect(check: Extract<AuthorizeCheck, { kind: 'redirect' }>, issuer: string): string {
  const url = new URL(check.redirectUri);
  url.searchParams.set('error', check.error);
  url.searchParams.set('error_description', check.description);
  if (check.state !== undefined) url.searchParams.set('state', check.state);
  url.searchParams.set('iss', issuer);
  return url.href;
}
