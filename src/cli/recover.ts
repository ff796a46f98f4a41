/**
 * `recover`: gives an escrowed PFX back to its owner — the stored file as it was imported, and its password
 * decrypted with the connector's private key — so old encrypted mail can be read again. The server records the
 * export with the caller and the `--reason` given.
 */
import { lstat, unlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CertificateApi, type UserPfxCertificate } from '../client/certificates.js';
import { EXPORT_ROLE } from '../graph/permissions.js';
import { exportReasonProblem } from '../model/export-reason.js';
import { decodePassword, decryptPassword, KeyError, openPkcs12, PfxError } from '../pfx/index.js';
import { parseCommandArgs } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { readPrivateKeyFile } from './private-key-file.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { SUMMARIES } from './summaries.js';

const USAGE = 'pfxstore recover ID --private-key F --out FILE.pfx --password-out F|- --reason TEXT [--url U] [--token T] [--ca F] [--data DIR]';
const FLAGS = flagTable({
  'private-key': { type: 'string', value: 'F', description: "required: the connector's RSA private key file, in any form verify reads, e.g. keygen's NAME.key.pem" },
  out: { type: 'string', value: 'FILE.pfx', description: 'required: where the PFX goes, byte for byte as imported (created with mode 0600; never overwritten)' },
  'password-out': { type: 'string', value: 'F|-', description: "required: where its password goes (created with mode 0600; never overwritten); '-' prints it on stdout" },
  reason: { type: 'string', value: 'TEXT', description: "required: why, e.g. a ticket number; kept in the server's audit event of this export (at most 500 characters, one line)" },
});
const REQUIRED = ['private-key', 'out', 'password-out', 'reason'] as const;

export const recoverCommand: Command = {
  summary: SUMMARIES.recover,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  notes: [
    'Nothing is written unless the password decrypts with the key and the record\'s padding and the PFX opens with it,',
    'and neither target exists. The password file holds the password alone, no newline; on stdout a newline follows',
    `it only on a terminal. In dev mode the minted token carries ${EXPORT_ROLE}; otherwise the token needs it.`,
  ],
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS }, true);
    if (positionals.length !== 1) throw new UsageError('give exactly one certificate ID (see pfxstore list).');
    const missing = REQUIRED.filter((flag) => values[flag] === undefined || (flag !== 'reason' && values[flag] === ''));
    if (missing.length > 0) {
      throw new UsageError(`${missing.map((f) => `--${f} ${FLAGS[f].value}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} required.`);
    }
    const reason = values.reason!;
    const problem = exportReasonProblem(reason);
    if (problem !== undefined) throw new UsageError(`--reason ${problem}.`);
    const out = values.out!;
    const passwordOut = values['password-out']!;
    if (out === '-') throw new UsageError('--out must be a file: the PFX is binary, and stdout is only for the password (--password-out -).');
    if (passwordOut !== '-' && resolve(out) === resolve(passwordOut)) throw new UsageError('--out and --password-out must be different files.');
    const targets = passwordOut === '-' ? [out] : [out, passwordOut];

    const privateKey = readPrivateKeyFile(values['private-key']!);
    // Before the request: a refusal found now exports nothing, and leaves no audit event of an export that gave nothing.
    await refuseExisting(targets);
    const api = new CertificateApi(await connect(values, { extraRoles: [EXPORT_ROLE] }));
    let record: UserPfxCertificate;
    try {
      record = await api.get(positionals[0]!, { exportReason: reason });
    } finally {
      api.client.close();
    }
    const { pfx, password } = unlock(record, privateKey);
    await refuseExisting(targets);
    await writeSecrets(out, pfx, passwordOut, password);
    process.stderr.write(`recovered ${record.id} (${record.userPrincipalName}, thumbprint ${record.thumbprint}): ` +
      `PFX ${out} (${pfx.length} bytes, mode 0600), password ${passwordOut === '-' ? 'on stdout' : `${passwordOut} (mode 0600)`}\n`);
    return 0;
  },
};

/** The stored PFX bytes and their password, once checked that the one opens the other; an Error saying why not. */
function unlock(record: UserPfxCertificate, privateKey: Parameters<typeof decryptPassword>[1]): { pfx: Buffer; password: string } {
  if (!record.encryptedPfxPassword || !record.encryptedPfxBlob) {
    throw new Error(`the server returned no encryptedPfxBlob/encryptedPfxPassword: the token lacks the ${EXPORT_ROLE} role ` +
      "(pfxstore's export role; Microsoft Graph never returns these fields). Nothing was written.");
  }
  let password: string;
  try {
    password = decodePassword(decryptPassword(Buffer.from(record.encryptedPfxPassword, 'base64'), privateKey, record.paddingScheme));
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    throw new Error(err.code === 'decrypt-failed'
      ? `the password does not decrypt with this private key and ${record.paddingScheme}: it was encrypted for another key ` +
        `(${record.providerName}/${record.keyName}). Nothing was written.`
      : `paddingScheme ${record.paddingScheme}: ${err.message}. Nothing was written.`, { cause: err });
  }
  const pfx = Buffer.from(record.encryptedPfxBlob, 'base64');
  try {
    openPkcs12(pfx, password);
  } catch (err) {
    if (!(err instanceof PfxError)) throw err;
    throw new Error(`the stored PFX does not open with the decrypted password (${err.message}). Nothing was written.`, { cause: err });
  }
  return { pfx, password };
}

async function refuseExisting(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const exists = await lstat(path).then(() => true, (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    });
    if (exists) throw new Error(`${path} already exists; not overwriting it (choose another name). Nothing was written.`);
  }
}

/**
 * Both files with mode 0600 from creation ('wx': never over an existing file, even one made since the check), the
 * PFX first; if the password cannot be written, the PFX just made is removed, so it is both or neither.
 */
async function writeSecrets(out: string, pfx: Buffer, passwordOut: string, password: string): Promise<void> {
  await writeFile(out, pfx, { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${out}: ${err.code === 'EEXIST' ? 'already exists; not overwriting it' : err.message}. Nothing was written.`, { cause: err });
  });
  if (passwordOut === '-') {
    process.stdout.write(process.stdout.isTTY ? `${password}\n` : password);
    return;
  }
  try {
    await writeFile(passwordOut, password, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    await unlink(out).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${passwordOut}: ${code === 'EEXIST' ? 'already exists; not overwriting it' : (err as Error).message}. Nothing was written.`, { cause: err });
  }
}
