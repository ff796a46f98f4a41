import { createHash } from 'node:crypto';
import { NotFoundError } from '../model/errors.js';
import type { UserService } from '../service/user-service.js';
import type { AuthorizationCodes } from './authorization-codes.js';
import { DEV_CONSOLE_CLIENT_ID, OPENID_SCOPES, stableObjectId } from './dev-console.js';
import { mintDevIdToken, mintDevToken, type DevIdentity } from './dev-identity.js';

export interface CodeGrantDeps {
  readonly identity: DevIdentity;
  readonly codes: AuthorizationCodes;
  readonly users: UserService;
  readonly tokenTtlSeconds: number;
}

export type GrantResult =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly status: number; readonly error: string; readonly description: string };

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

const REDEMPTION_FAILURE = {
  unknown: 'The authorization code is not one this server issued (or the server restarted since): sign in again.',
  expired: 'The authorization code expired: codes live 60 seconds; sign in again.',
  used: 'The authorization code was already redeemed: a code is good for one token request; sign in again.',
} as const;

/**
 * The authorization-code grant (RFC 6749 §4.1.3) for the console, a public client: no secret, but the code
 * verifier must match the challenge the code was issued for (RFC 7636 §4.6). Errors are RFC 6749 §5.2's.
 */
export async function redeemAuthorizationCode(form: Record<string, string>, tenantId: string, deps: CodeGrantDeps): Promise<GrantResult> {
  const fail = (status: number, error: string, description: string): GrantResult => ({ ok: false, status, error, description });
  for (const name of ['code', 'redirect_uri', 'client_id', 'code_verifier'] as const) {
    if (!form[name]) return fail(400, 'invalid_request', `The token request has no ${name}.`);
  }
  if (form.client_id.toLowerCase() !== DEV_CONSOLE_CLIENT_ID) {
    return fail(401, 'invalid_client', `The client_id '${form.client_id.slice(0, 80)}' is not known here: the authorization-code grant serves only the console (client_id ${DEV_CONSOLE_CLIENT_ID}).`);
  }
  if (!VERIFIER.test(form.code_verifier)) {
    return fail(400, 'invalid_request', 'code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~ (RFC 7636).');
  }
  const redeemed = deps.codes.redeem(deps.identity.tenantId, form.code);
  if (!redeemed.ok) return fail(400, 'invalid_grant', REDEMPTION_FAILURE[redeemed.reason]);
  const { grant } = redeemed;
  if (grant.tenantId !== tenantId) return fail(400, 'invalid_grant', `The authorization code was issued for tenant ${grant.tenantId}, not ${tenantId}.`);
  if (grant.redirectUri !== form.redirect_uri) {
    return fail(400, 'invalid_grant', `redirect_uri '${form.redirect_uri.slice(0, 200)}' is not the one the code was issued for.`);
  }
  if (createHash('sha256').update(form.code_verifier).digest('base64url') !== grant.codeChallenge) {
    return fail(400, 'invalid_grant', 'code_verifier does not match the code_challenge of the authorization request.');
  }

  const objectId = await userObjectId(deps.users, tenantId, grant.userPrincipalName);
  const delegated = grant.scopes.filter((s) => !OPENID_SCOPES.has(s));
  const openid = grant.scopes.filter((s) => OPENID_SCOPES.has(s));
  const accessToken = await mintDevToken(deps.identity, {
    tenantId, scopes: delegated, upn: grant.userPrincipalName, objectId, appId: grant.clientId, ttlSeconds: deps.tokenTtlSeconds,
  });
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: [...delegated, ...openid].join(' '),
    expires_in: deps.tokenTtlSeconds,
    ext_expires_in: deps.tokenTtlSeconds,
    access_token: accessToken,
  };
  if (openid.includes('openid')) {
    body.id_token = await mintDevIdToken(deps.identity, {
      tenantId, clientId: grant.clientId, upn: grant.userPrincipalName, objectId, nonce: grant.nonce, ttlSeconds: deps.tokenTtlSeconds,
    });
  }
  return { ok: true, body };
}

/** The user's own id when the tenant has the user, so that the audit log and /users agree; else a stable one. */
async function userObjectId(users: UserService, tenantId: string, upn: string): Promise<string> {
  const principal = { tenantId, kind: 'application' as const, roles: new Set<string>(), scopes: new Set<string>() };
  try {
    return (await users.get({ principal, requestId: 'sign-in' }, upn)).id as string;
  } catch (err) {
    if (err instanceof NotFoundError) return stableObjectId(tenantId, upn);
    throw err;
  }
}
