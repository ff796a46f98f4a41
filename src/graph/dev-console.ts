import { createHash } from 'node:crypto';

/**
 * The console's client at the dev authority: a public SPA client (no secret; PKCE instead), the only client the
 * authorization endpoint serves. A fixed GUID so that the console, its config and the tests agree without a
 * registration step.
 */
export const DEV_CONSOLE_CLIENT_ID = '5f2c0e1a-7b3d-4c8e-9a61-0d4e2b6f8c17';

/** The delegated permissions a console user gets when the request names none (or asks for `.default`). */
export const DEV_DELEGATED_SCOPES = ['DeviceManagementConfiguration.ReadWrite.All', 'User.ReadWrite.All'] as const;

/** The delegated permissions the dev authority grants at all, by name. */
export const DEV_GRANTABLE_SCOPES: ReadonlySet<string> = new Set([
  'DeviceManagementConfiguration.Read.All', 'DeviceManagementConfiguration.ReadWrite.All', 'User.Read.All', 'User.ReadWrite.All',
]);

/**
 * OpenID scopes: accepted and echoed. `offline_access` is accepted (MSAL adds it to every request) but no
 * refresh token is issued: the console signs in again when its token expires.
 */
export const OPENID_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

/** What `/console/config.json` asks for in dev mode. */
export const DEV_CONSOLE_SCOPES = ['openid', 'profile', ...DEV_DELEGATED_SCOPES] as const;

/**
 * The object id of a user the tenant does not hold: derived from tenant and UPN (SHA-256, laid out as a version-8
 * GUID, RFC 9562 §5.8), so the same person gets the same `oid` at every sign-in.
 */
export function stableObjectId(tenantId: string, userPrincipalName: string): string {
  const bytes = createHash('sha256').update(`${tenantId}/${userPrincipalName.toLowerCase()}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
