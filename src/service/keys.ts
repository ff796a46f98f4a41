import { ValidationError } from '../model/errors.js';
import { GUID_ANY_HYPHENS, GUID_ANY_HYPHENS_SOURCE } from '../model/guid.js';
import { THUMBPRINT_SOURCE } from '../model/thumbprint.js';

/**
 * Certificate keys: `{user object id as 32 lowercase hex}-{40 hex thumbprint}` (CONTRACT §4.1).
 * Clients send the user id with or without hyphens and in any case; all spellings mean one key.
 */
const CERTIFICATE_KEY = new RegExp(`^(${GUID_ANY_HYPHENS_SOURCE})-(${THUMBPRINT_SOURCE})$`, 'i');

/** The canonical spelling, which is what the ids this service hands out look like. */
const CANONICAL_CERTIFICATE_KEY = /^[0-9a-f]{32}-[0-9a-f]{40}$/;

export function canonicalCertificateKey(key: string): string {
  if (CANONICAL_CERTIFICATE_KEY.test(key)) return key;
  const m = CERTIFICATE_KEY.exec(key);
  if (!m) {
    throw new ValidationError(
      `Invalid key '${key.length > 100 ? key.slice(0, 100) + '…' : key}': a userPfxCertificate id is '{user id}-{thumbprint}', ` +
      'the user id as 32 hex digits (hyphens optional) and the thumbprint as 40 hex digits.');
  }
  return `${m[1].replace(/-/g, '').toLowerCase()}-${m[2].toLowerCase()}`;
}

export function certificateId(userId: string, thumbprint: string): string {
  return `${userId.replace(/-/g, '').toLowerCase()}-${thumbprint}`;
}

/** A user key is an object id (GUID) or a userPrincipalName, as on Graph's /users/{id | userPrincipalName}. */
export function parseUserKey(key: string): { id: string } | { userPrincipalName: string } {
  if (GUID_ANY_HYPHENS.test(key)) {
    const hex = key.replace(/-/g, '').toLowerCase();
    return { id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` };
  }
  if (key.includes('@')) return { userPrincipalName: key };
  throw new ValidationError(`Invalid user key '${key.slice(0, 100)}': expected an object id (GUID) or a userPrincipalName.`);
}

/** Appends a problem when the row's userPrincipalName is not shaped like `user@domain`. */
export function checkUpn(row: { readonly userPrincipalName?: unknown }, problems: string[]): void {
  const upn = row.userPrincipalName;
  if (typeof upn === 'string' && !/^[^@\s]+@[^@\s]+$/.test(upn)) {
    problems.push(`property 'userPrincipalName' must look like 'user@domain', not '${upn.slice(0, 64)}'`);
  }
}
