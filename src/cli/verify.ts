/**
 * `verify`: does what the Intune PFX Certificate Connector will do with a record — decrypt the password with
 * its private key and the record's padding, open the PFX — and checks what it relies on, so a bad record is
 * found before a user's device waits for a certificate that never comes.
 */
import type { KeyObject } from 'node:crypto';
import { CertificateApi, type UserPfxCertificate } from '../client/certificates.js';
import {
  certificateValidity, decodePassword, decryptPassword, KeyError, openPkcs12, type OpenedPfx, PfxError, thumbprint,
} from '../pfx/index.js';
import { parseCommandArgs } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { EXPORT_ROLE } from '../graph/permissions.js';
import { printJson } from './output.js';
import { readPrivateKeyFile } from './private-key-file.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';

const SUMMARY = 'check that the connector can decrypt and open a stored PFX (needs the export role)';
const USAGE = 'pfxstore verify ID --private-key F [--json] [--url U] [--token T] [--ca F] [--data DIR]';
const FLAGS = flagTable({
  'private-key': { type: 'string', value: 'F', description: "required: the connector's RSA private key (PEM or DER, PKCS#8 or PKCS#1), e.g. keygen's NAME.key.pem" },
  json: { type: 'boolean', description: 'print the checks as JSON' },
});

interface Check {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  /** A failed warning does not stop delivery (e.g. expired: the connector still delivers it). */
  readonly warning?: boolean;
}

export const verifyCommand: Command = {
  summary: SUMMARY,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS }, true);
    if (positionals.length !== 1) throw new UsageError('give exactly one certificate ID.');
    if (!values['private-key']) throw new UsageError('--private-key F is required (the key the connector decrypts passwords with).');
    const privateKey = readPrivateKeyFile(values['private-key']);
    const api = new CertificateApi(await connect(values, { extraRoles: [EXPORT_ROLE] }));
    let record: UserPfxCertificate;
    try {
      record = await api.get(positionals[0]!);
    } finally {
      api.client.close();
    }
    const checks = verifyRecord(record, privateKey);
    const deliverable = checks.every((c) => c.ok || c.warning);
    if (values.json) {
      printJson({ id: record.id, deliverable, checks });
    } else {
      const lines = checks.map((c) => `${c.ok ? 'ok  ' : c.warning ? 'warn' : 'FAIL'}  ${c.check}: ${c.detail}`);
      const failure = checks.find((c) => !c.ok && !c.warning);
      lines.push(deliverable ? 'the connector will be able to deliver this'
        : `the connector will NOT be able to deliver this: ${failure!.detail}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return deliverable ? 0 : 1;
  },
};

/** The checks in the connector's order; stops at the first one the next depends on. */
export function verifyRecord(record: UserPfxCertificate, privateKey: KeyObject, now = new Date()): Check[] {
  const checks: Check[] = [];
  if (!record.encryptedPfxPassword || !record.encryptedPfxBlob) {
    checks.push({ check: 'secret fields', ok: false,
      detail: `the server returned no encryptedPfxBlob/encryptedPfxPassword: the token lacks the ${EXPORT_ROLE} role ` +
        `(pfxstore's export role; Microsoft Graph never returns these fields)` });
    return checks;
  }
  let password: string;
  try {
    password = decodePassword(decryptPassword(Buffer.from(record.encryptedPfxPassword, 'base64'), privateKey, record.paddingScheme));
    checks.push({ check: 'password', ok: true, detail: `decrypts with this private key (${record.paddingScheme})` });
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    const detail = err.code === 'decrypt-failed'
      ? `the password does not decrypt with this private key and ${record.paddingScheme}: it was encrypted for another key`
      : `paddingScheme ${record.paddingScheme}: ${err.message}`;
    checks.push({ check: 'password', ok: false, detail });
    return checks;
  }
  let pfx: OpenedPfx;
  try {
    pfx = openPkcs12(Buffer.from(record.encryptedPfxBlob, 'base64'), password);
    checks.push({ check: 'PFX', ok: true, detail: 'opens with the decrypted password' });
  } catch (err) {
    if (!(err instanceof PfxError)) throw err;
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

function sameInstant(date: Date, iso: string): boolean {
  return Math.abs(date.getTime() - Date.parse(iso)) < 1000;
}
