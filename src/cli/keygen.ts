import { createPrivateKey } from 'node:crypto';
import { lstat, writeFile } from 'node:fs/promises';
import { generateRsaKeyPair, RSA_KEY_BITS, type RsaKeyBits, toRsaFullPrivateBlob, toRsaPublicBlob } from '../pfx/index.js';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { SUMMARIES } from './summaries.js';

const USAGE = 'pfxstore keygen --out NAME [--bits 2048|3072|4096] [--format pem|cng|both]';
const FORMATS = ['pem', 'cng', 'both'] as const;
const FLAGS = flagTable({
  out: { type: 'string', value: 'NAME', description: 'required: the files are NAME.<kind>; none that exists is ever overwritten (nothing is written then)' },
  bits: { type: 'string', value: '2048|3072|4096', default: '2048', description: 'RSA key size' },
  format: {
    type: 'string', value: 'pem|cng|both', default: 'pem',
    description: 'pem: NAME.key.pem (PKCS#8, mode 0600) and NAME.pub.pem (SPKI); cng: NAME.private.cngblob (RSAFULLPRIVATEBLOB, ' +
      'what Import-IntunePrivateKey reads; mode 0600) and NAME.public.cngblob (RSAPUBLICBLOB); both: all four',
  },
});

interface KeyFile {
  readonly path: string;
  readonly bytes: Buffer | string;
  readonly private: boolean;
  readonly label: string;
}

export const keygenCommand: Command = {
  summary: SUMMARIES.keygen,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }],
  async run(args) {
    const { values } = parseCommandArgs(args, FLAGS);
    if (!values.out) throw new UsageError('--out NAME is required.');
    const bits = Number(values.bits) as RsaKeyBits;
    if (!RSA_KEY_BITS.includes(bits)) throw new UsageError(`--bits must be one of ${RSA_KEY_BITS.join(', ')}, not '${values.bits}'.`);
    const format = values.format as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not '${values.format}'.`);
    const out = values.out;
    const pem = format !== 'cng';
    const cng = format !== 'pem';
    const paths = [...(pem ? [`${out}.key.pem`, `${out}.pub.pem`] : []), ...(cng ? [`${out}.private.cngblob`, `${out}.public.cngblob`] : [])];

    // Every target checked before any is written, so a refused run leaves no half of a pair behind.
    const existing = (await Promise.all(paths.map(async (p) => ((await exists(p)) ? p : undefined)))).filter((p) => p !== undefined);
    if (existing.length > 0) {
      const which = existing.map((p) => `${p} already exists`).join(', ');
      process.stderr.write(`pfxstore keygen: ${which}; not overwriting (choose another --out). Nothing was written.\n`);
      return 1;
    }

    const { privatePem, publicPem } = await generateRsaKeyPair(bits);
    const files: KeyFile[] = [];
    if (pem) {
      files.push({ path: `${out}.key.pem`, bytes: privatePem, private: true, label: 'private key (PKCS#8, mode 0600)' });
      files.push({ path: `${out}.pub.pem`, bytes: publicPem, private: false, label: 'public key (SPKI)' });
    }
    if (cng) {
      const key = createPrivateKey(privatePem);
      files.push({ path: `${out}.private.cngblob`, bytes: toRsaFullPrivateBlob(key), private: true, label: 'private key (RSAFULLPRIVATEBLOB, mode 0600)' });
      files.push({ path: `${out}.public.cngblob`, bytes: toRsaPublicBlob(key), private: false, label: 'public key (RSAPUBLICBLOB)' });
    }
    for (const file of files) {
      // 'wx': never overwrite a key — losing the private key makes every record encrypted to it undeliverable.
      // The mode is given at creation, so the private key is never readable by others, not even briefly.
      try {
        await writeFile(file.path, file.bytes, { mode: file.private ? 0o600 : 0o644, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          process.stderr.write(`pfxstore keygen: ${file.path} appeared while the key was made; not overwriting it.\n`);
          return 1;
        }
        throw err;
      }
      process.stdout.write(`${file.label}: ${file.path}\n`);
    }
    return 0;
  },
};

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
