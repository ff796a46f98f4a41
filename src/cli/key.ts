/**
 * `key convert`: the bridge between a key made with OpenSSL (or `keygen`) and the connector's key storage
 * provider on Windows, which imports and exports CNG blobs (`Import-/Export-IntunePrivateKey`,
 * `Export-IntunePublicKey`). No server is involved.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { encodeRsaKey, KEY_FORMS, type KeyForm, KeyError, readRsaKey } from '../pfx/index.js';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { SUMMARIES } from './summaries.js';

const USAGE = 'pfxstore key convert IN --to pem|pkcs1|cng --out F [--public]';
const CONVERT_FLAGS = flagTable({
  to: {
    type: 'string', value: 'pem|pkcs1|cng',
    description: 'required: pem = PKCS#8 (a public key: SPKI), pkcs1 = PKCS#1 (BEGIN RSA PRIVATE KEY / RSA PUBLIC KEY), ' +
      'cng = RSAFULLPRIVATEBLOB, what Import-IntunePrivateKey reads (a public key: RSAPUBLICBLOB)',
  },
  out: { type: 'string', value: 'F', description: 'required: the file to write; never overwritten (a private key is written with mode 0600)' },
  public: { type: 'boolean', description: 'write only the public half of a private key' },
});

export const keyCommand: Command = {
  summary: SUMMARIES.key,
  usage: USAGE,
  flags: [{ title: 'key convert', flags: CONVERT_FLAGS }],
  notes: [
    'IN is detected: PKCS#8 or PKCS#1 (PEM or DER), SPKI or PKCS#1 public keys, an X.509 certificate (its public key),',
    'or a CNG RSAFULLPRIVATEBLOB (RSA3), RSAPRIVATEBLOB (RSA2) or RSAPUBLICBLOB (RSA1). Encrypted keys are refused.',
    'A public IN gives its public key in the --to form. The line printed names the form, the half and the mode written.',
  ],
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'convert') return convert(rest);
    throw new UsageError(sub === undefined ? 'give a subcommand: convert.' : `unknown subcommand '${sub}'; use convert.`);
  },
};

async function convert(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, CONVERT_FLAGS, true);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'give the key file to convert (IN).' : 'key convert takes one key file.');
  if (values.to === undefined) throw new UsageError(`--to ${KEY_FORMS.join('|')} is required.`);
  const to = values.to as KeyForm;
  if (!KEY_FORMS.includes(to)) throw new UsageError(`--to must be one of ${KEY_FORMS.join(', ')}, not '${values.to}'.`);
  if (!values.out) throw new UsageError('--out F is required.');
  const input = positionals[0]!;
  const out = values.out;

  const key = await readKeyFile(input);
  // A public IN has no private half to write: its public key in the asked-for form is the useful answer.
  const wanted = values.public && key.type === 'private' ? createPublicKey(key) : key;
  const { bytes, description } = encodeRsaKey(wanted, to);
  const isPrivate = wanted.type === 'private';
  try {
    // 'wx': a key file is never replaced (it may be the only copy); the mode is set at creation, never widened later.
    await writeFile(out, bytes, { mode: isPrivate ? 0o600 : 0o644, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      process.stderr.write(`pfxstore key convert: ${out} already exists; not overwriting it (choose another --out).\n`);
      return 1;
    }
    throw err;
  }
  const mode = ((await stat(out)).mode & 0o777).toString(8).padStart(4, '0');
  const note = key.type === 'public' && !values.public ? ` (${input} holds no private key)` : '';
  process.stdout.write(`wrote the ${isPrivate ? 'private' : 'public'} key as ${description}, mode ${mode}: ${out}${note}\n`);
  return 0;
}

async function readKeyFile(path: string): Promise<KeyObject> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a key file' : (err as Error).message}`, { cause: err });
  }
  try {
    return readRsaKey(data);
  } catch (err) {
    if (err instanceof KeyError) throw new Error(`${path}: ${err.message}`, { cause: err });
    throw err;
  }
}
