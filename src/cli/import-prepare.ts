/**
 * Turning one PFX file into the record the API stores — everything before the upload, no HTTP: open the file
 * with its password, take the SHA-1 thumbprint and validity of its certificate, encrypt the password with
 * RSA-OAEP under the connector's public key. Every refusal happens here, so nothing half-checked is uploaded.
 */
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type CertificateBody, ODATA_TYPE } from '../client/certificates.js';
import {
  type CertificateUsage, certificateUsage, certificateValidity, encryptPassword, KeyError, type OaepPadding, openPkcs12, PasswordTooLongError,
  PfxError, thumbprint,
} from '../pfx/index.js';

export interface PrepareSettings {
  readonly publicKey: KeyObject;
  readonly padding: OaepPadding;
  readonly providerName: string;
  readonly keyName: string;
  readonly allowExpired: boolean;
}

export interface PreparedRecord {
  readonly body: CertificateBody;
  readonly warnings: readonly string[];
  /** What import-checks.ts needs to tell whether a device will use the certificate. */
  readonly certificate: { readonly usage: CertificateUsage; readonly notBefore: Date };
}

/** A file that cannot be imported as it is; the message is for the person fixing it and never holds the password. */
export class ImportFailure extends Error {
  override name = 'ImportFailure';
}

export interface RecordInput {
  readonly file: string;
  readonly upn: string;
  readonly purpose: string;
  readonly password: string;
}

export async function prepareRecord(input: RecordInput, settings: PrepareSettings, now = new Date()): Promise<PreparedRecord> {
  let der: Buffer;
  try {
    der = await readFile(input.file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportFailure(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a PFX file' : `cannot read the file (${code})`);
  }
  let opened;
  try {
    opened = openPkcs12(der, input.password);
  } catch (err) {
    if (err instanceof PfxError) throw new ImportFailure(err.message);
    throw err;
  }
  const { notBefore, notAfter } = certificateValidity(opened.certificate);
  const warnings: string[] = [];
  if (notAfter.getTime() <= now.getTime()) {
    const expired = `the certificate expired on ${notAfter.toISOString()}`;
    if (!settings.allowExpired) throw new ImportFailure(`${expired}; pass --allow-expired to import it anyway`);
    // Said before the upload, whose outcome is not known yet (it may be skipped, fail, or be a dry run).
    warnings.push(`${expired} (allowed by --allow-expired)`);
  }

  let encrypted: Buffer;
  try {
    encrypted = encryptPassword(input.password, settings.publicKey, settings.padding);
  } catch (err) {
    if (err instanceof PasswordTooLongError) throw new ImportFailure(tooLongMessage(err));
    if (err instanceof KeyError) throw new ImportFailure(err.message);
    throw err;
  }
  return {
    body: {
      '@odata.type': ODATA_TYPE,
      thumbprint: thumbprint(opened.certificate),
      intendedPurpose: input.purpose,
      userPrincipalName: input.upn,
      startDateTime: notBefore.toISOString(),
      expirationDateTime: notAfter.toISOString(),
      providerName: settings.providerName,
      keyName: settings.keyName,
      paddingScheme: settings.padding,
      encryptedPfxBlob: der.toString('base64'),
      encryptedPfxPassword: encrypted.toString('base64'),
    },
    warnings,
    certificate: { usage: certificateUsage(opened.certificate), notBefore },
  };
}

/** The ways out in the CLI's own terms: a bigger connector key (keygen makes 2048 bits and up), or `--padding`. */
function tooLongMessage(err: PasswordTooLongError): string {
  const [strongest, ...others] = err.fittingPaddings;
  const padding = strongest === undefined ? '' : ` or --padding ${strongest}${others.length > 0 ? ` (or ${others.join(', ')})` : ''}`;
  return `the password is ${err.bytes} bytes, but a ${err.modulusBits}-bit key holds at most ${err.max} bytes with ${err.padding}; ` +
    `use a key of at least ${err.minBits} bits${padding}`;
}
