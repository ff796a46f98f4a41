/**
 * The checks `verify` makes of one record, in the connector's order: what the Intune PFX Certificate Connector
 * will do with it (decrypt the password with its private key and the record's padding, read the bytes as Latin-1,
 * open the PFX) and what it relies on (thumbprint, key pair, validity). Shared by `verify ID` and `verify --all`.
 */
import type { KeyObject } from 'node:crypto';
import type { UserPfxCertificate } from '../client/certificates.js';
import { EXPORT_ROLE } from '../graph/permissions.js';
import {
  certificateValidity, decodePassword, decryptPassword, KeyError, openPkcs12, type OpenedPfx, otherPasswordReadings, PfxError, thumbprint,
} from '../pfx/index.js';

export interface Check {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  /** A failed warning does not stop delivery (e.g. expired: the connector still delivers it). */
  readonly warning?: boolean;
}

/** Why a record came without its secret fields: the one cause there is. */
export const MISSING_SECRETS = `the server returned no encryptedPfxBlob/encryptedPfxPassword: the token lacks the ${EXPORT_ROLE} role ` +
  "(pfxstore's export role; Microsoft Graph never returns these fields)";

export function hasSecrets(record: UserPfxCertificate): boolean {
  return Boolean(record.encryptedPfxPassword && record.encryptedPfxBlob);
}

/** Whether the connector will deliver the record: every check passed, or failed only as a warning. */
export function deliverable(checks: readonly Check[]): boolean {
  return checks.every((c) => c.ok || c.warning);
}

/** The first failure that stops delivery, as `check: detail`; undefined when there is none. */
export function failureReason(checks: readonly Check[]): string | undefined {
  const failure = checks.find((c) => !c.ok && !c.warning);
  return failure && `${failure.check}: ${failure.detail}`;
}

/** The checks in the connector's order; stops at the first one the next depends on. */
export function verifyRecord(record: UserPfxCertificate, privateKey: KeyObject, now = new Date()): Check[] {
  const checks: Check[] = [];
  if (!hasSecrets(record)) {
    checks.push({ check: 'secret fields', ok: false, detail: MISSING_SECRETS });
    return checks;
  }
  let bytes: Buffer;
  try {
    bytes = decryptPassword(Buffer.from(record.encryptedPfxPassword!, 'base64'), privateKey, record.paddingScheme);
    checks.push({ check: 'password', ok: true, detail: `decrypts with this private key (${record.paddingScheme})` });
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    const detail = err.code === 'decrypt-failed'
      ? `the password does not decrypt with this private key and ${record.paddingScheme}: it was encrypted for another key`
      : `paddingScheme ${record.paddingScheme}: ${err.message}`;
    checks.push({ check: 'password', ok: false, detail });
    return checks;
  }
  const blob = Buffer.from(record.encryptedPfxBlob!, 'base64');
  let pfx: OpenedPfx;
  try {
    pfx = openPkcs12(blob, decodePassword(bytes));
    checks.push({ check: 'PFX', ok: true, detail: 'opens with the decrypted password (read as Latin-1, as the connector reads it)' });
  } catch (err) {
    if (!(err instanceof PfxError)) throw err;
    const misread = err.code === 'wrong-password' ? encodingCheck(blob, bytes) : undefined;
    if (misread) {
      checks.push(misread);
      return checks;
    }
    const detail = err.code === 'wrong-password' ? `the stored PFX does not open with the decrypted password (${err.message})` : `the stored PFX cannot be opened: ${err.message}`;
    checks.push({ check: 'PFX', ok: false, detail });
    return checks;
  }
  const actual = thumbprint(pfx.certificate);
  checks.push(actual === record.thumbprint.toLowerCase()
    ? { check: 'thumbprint', ok: true, detail: actual }
    : { check: 'thumbprint', ok: false, detail: `the PFX's certificate has thumbprint ${actual}, the record says ${record.thumbprint}` });
  checks.push(pfx.certificate.checkPrivateKey(pfx.privateKey)
    ? { check: 'key pair', ok: true, detail: "the PFX's private key matches its certificate" }
    : { check: 'key pair', ok: false, detail: "the PFX's private key does not match its certificate" });
  const { notBefore, notAfter } = certificateValidity(pfx.certificate);
  const sameDates = sameInstant(notBefore, record.startDateTime) && sameInstant(notAfter, record.expirationDateTime);
  checks.push({ check: 'validity', ok: sameDates, warning: true,
    detail: sameDates ? `${notBefore.toISOString()} to ${notAfter.toISOString()}`
      : `the certificate is valid ${notBefore.toISOString()} to ${notAfter.toISOString()}, the record says ${record.startDateTime} to ${record.expirationDateTime}` });
  if (notAfter.getTime() <= now.getTime()) {
    checks.push({ check: 'expiry', ok: false, warning: true, detail: `the certificate expired on ${notAfter.toISOString()}` });
  }
  return checks;
}

/**
 * The PFX did not open with the Latin-1 reading of the password bytes: when it opens with their UTF-8 or UTF-16LE
 * reading, the password was right but encrypted in an encoding the connector does not read. Only tried on the
 * failure path, so a good record costs nothing more.
 */
function encodingCheck(blob: Buffer, bytes: Buffer): Check | undefined {
  for (const reading of otherPasswordReadings(bytes)) {
    try {
      openPkcs12(blob, reading.password);
    } catch {
      continue;
    }
    const width = reading.encoding === 'UTF-16LE' ? ' (two per character)' : '';
    return { check: 'password encoding', ok: false,
      detail: `the password was encrypted as ${reading.encoding} bytes${width}; the connector reads one byte per character (Latin-1), ` +
        'so it will not open the PFX' };
  }
  return undefined;
}

function sameInstant(date: Date, iso: string): boolean {
  return Math.abs(date.getTime() - Date.parse(iso)) < 1000;
}
