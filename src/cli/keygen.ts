import { writeFile } from 'node:fs/promises';
import { generateRsaKeyPair, RSA_KEY_BITS, type RsaKeyBits } from '../pfx/index.js';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';

const SUMMARY = 'make the RSA key pair that encrypts PFX passwords (NAME.key.pem, NAME.pub.pem)';
const USAGE = 'pfxstore keygen --out NAME [--bits 2048|3072|4096]';
const FLAGS = flagTable({
  out: { type: 'string', value: 'NAME', description: 'required: writes NAME.key.pem (private, mode 0600; never overwritten) and NAME.pub.pem' },
  bits: { type: 'string', value: '2048|3072|4096', default: '2048', description: 'RSA key size' },
});

export const keygenCommand: Command = {
  summary: SUMMARY,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }],
  async run(args) {
    const { values } = parseCommandArgs(args, FLAGS);
    if (!values.out) throw new UsageError('--out NAME is required.');
    const bits = Number(values.bits) as RsaKeyBits;
    if (!RSA_KEY_BITS.includes(bits)) throw new UsageError(`--bits must be one of ${RSA_KEY_BITS.join(', ')}, not '${values.bits}'.`);

    const keyFile = `${values.out}.key.pem`;
    const pubFile = `${values.out}.pub.pem`;
    const { privatePem, publicPem } = await generateRsaKeyPair(bits);
    // 'wx': never overwrite a key — losing the private key makes every record encrypted to it undeliverable.
    // The mode is given at creation, so the private key is never readable by others, not even briefly.
    try {
      await writeFile(keyFile, privatePem, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        process.stderr.write(`pfxstore keygen: ${keyFile} already exists; not overwriting it (choose another --out).\n`);
        return 1;
      }
      throw err;
    }
    await writeFile(pubFile, publicPem, { mode: 0o644 });
    process.stdout.write(`private key (PKCS#8, mode 0600): ${keyFile}\npublic key (SPKI): ${pubFile}\n`);
    return 0;
  },
};
