import { certificateEntity, intendedPurposeEnum, paddingSchemeEnum } from '../model/certificate.js';
import { decodeBase64, invalidBody, readEntityBody, requireProperties, type BodyRead } from './entity-body.js';
import type { RowOf } from '../model/entity.js';
import type { Row } from '../store/store.js';
import { isPkcs12Structure } from '../pfx/pkcs12.js';
import { normaliseThumbprint } from '../model/thumbprint.js';
import { checkUpn } from './keys.js';

/** An RSA-encrypted password is one RSA block: 1024- to 8192-bit keys give 128 to 1024 bytes. */
const ENCRYPTED_PASSWORD_BYTES = { min: 128, max: 1024 };

const DEFAULTS: Row = {
  intendedPurpose: intendedPurposeEnum.members.find((m) => m.name === 'unassigned')!.value,
  paddingScheme: paddingSchemeEnum.members.find((m) => m.name === 'oaepSha512')!.value,
};

/** Reads and checks a create body; returns the row in stored form (secrets still plain) or throws one 400. */
export function checkCertificateCreate(body: unknown): Row {
  const { row, problems } = readCertificateCreate(body);
  if (problems.length > 0) throw invalidBody(problems);
  return row;
}

/**
 * A create body's row, defaults applied, and every problem with it, unthrown: the seed (seed-plan.ts) names
 * each problem by item and property. Throws only for a body that is not a JSON object.
 */
export function readCertificateCreate(body: unknown): BodyRead {
  const { row, problems } = readEntityBody(certificateEntity, body);
  requireProperties(certificateEntity, row, problems); // CONTRACT §4.2: the properties marked required
  checkValues(row, problems);
  return { row: { ...DEFAULTS, ...row }, problems };
}

/**
 * Reads and checks a PATCH body against the stored row; returns the changes in stored form. The properties
 * marked patchable may be sent (CONTRACT §4.5); thumbprint and userPrincipalName only with their stored values.
 */
export function checkCertificatePatch(body: unknown, current: RowOf<typeof certificateEntity>): Row {
  const { row, problems } = readEntityBody(certificateEntity, body, { patch: true });
  checkValues(row, problems);
  if (typeof row.thumbprint === 'string' && row.thumbprint !== current.thumbprint) {
    problems.push(`property 'thumbprint' cannot be changed (stored: '${current.thumbprint}'); create a new certificate instead`);
  }
  if (typeof row.userPrincipalName === 'string' &&
      row.userPrincipalName.toLowerCase() !== current.userPrincipalName.toLowerCase()) {
    problems.push(`property 'userPrincipalName' cannot be changed (stored: '${current.userPrincipalName}')`);
  }
  const start = row.startDateTime ?? current.startDateTime;
  const end = row.expirationDateTime ?? current.expirationDateTime;
  if ((row.startDateTime || row.expirationDateTime) && (start as string) >= (end as string) &&
      !problems.some((p) => p.includes('startDateTime'))) {
    problems.push(`'startDateTime' must be before 'expirationDateTime'`);
  }
  if (problems.length > 0) throw invalidBody(problems);
  const { thumbprint: _t, userPrincipalName: _u, ...changes } = row;
  return changes;
}

/** Value rules the property table cannot express; problems are appended, the row is normalised in place. */
function checkValues(row: Row, problems: string[]): void {
  if (typeof row.thumbprint === 'string') {
    const thumbprint = normaliseThumbprint(row.thumbprint);
    if (thumbprint) row.thumbprint = thumbprint;
    else problems.push(`property 'thumbprint' must be the certificate's SHA-1 hash as 40 hex digits, not '${row.thumbprint.slice(0, 64)}'`);
  }
  checkUpn(row, problems);
  for (const name of ['providerName', 'keyName'] as const) {
    if (typeof row[name] === 'string' && (row[name]).trim() === '') problems.push(`property '${name}' must not be empty`);
  }
  if (row.startDateTime && row.expirationDateTime && (row.startDateTime as string) >= (row.expirationDateTime as string)) {
    problems.push(`'startDateTime' must be before 'expirationDateTime'`);
  }
  if (Buffer.isBuffer(row.encryptedPfxBlob) && !isPkcs12Structure(row.encryptedPfxBlob)) {
    problems.push(`property 'encryptedPfxBlob' must be a DER-encoded PKCS#12 (PFX) file, base64-encoded`);
  }
  if (typeof row.encryptedPfxPassword === 'string') {
    const problem = encryptedPasswordProblem(row.encryptedPfxPassword);
    if (problem) problems.push(problem);
  }
}

function encryptedPasswordProblem(text: string): string | undefined {
  const bytes = decodeBase64(text);
  const { min, max } = ENCRYPTED_PASSWORD_BYTES;
  if (!bytes || bytes.length < min || bytes.length > max) {
    return `property 'encryptedPfxPassword' must be the base64 of the RSA-encrypted PFX password (${min} to ${max} bytes); ` +
      `a plaintext password is refused — encrypt it with RSA-OAEP under the connector's public key`;
  }
  return undefined;
}
