/**
 * `rekey`: moves the stored PFX passwords from one connector key to another, record by record — decrypt with
 * the old private key, encrypt for the new public key, PATCH the four password fields (in JSON batches of 20). The
 * PFX blob never changes, and the server audits each PATCH. Idempotent, so a rerun after a crash finishes the rest.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { CertificateApi } from '../client/certificates.js';
import { EXPORT_ROLE } from '../graph/permissions.js';
import { integerFlag, pageSizeFlag, pageSizeOf, parseCommandArgs } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { paddingFlag, publicKeyFlag } from './key-flags.js';
import { readPrivateKeyFile } from './private-key-file.js';
import type { RekeySettings } from './rekey-record.js';
import { RekeyReporter } from './rekey-report.js';
import { rekeyAll } from './rekey-run.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { SUMMARIES } from './summaries.js';

/**
 * Records per page when --page-size is not given: smaller than Graph's default of 1,000, so the work starts after a
 * short first page, and two pages are held ahead of it, so each page is fetched while the one before is worked on.
 */
const PAGE_SIZE = 100;

const USAGE = 'pfxstore rekey --private-key OLD --public-key NEW --provider-name P --key-name K [--padding oaepSha256|oaepSha384|oaepSha512] ' +
  '[--upn U] [--only-key-name K0] [--new-private-key F] [--dry-run] [--concurrency N] [--json] [--url U] [--token T] [--ca F] [--data DIR]';
const FLAGS = flagTable({
  'private-key': { type: 'string', value: 'OLD', description: "required: the current connector key's RSA private key, which the passwords are encrypted for now (PEM or DER, PKCS#8 or PKCS#1, or a CNG private blob)" },
  'public-key': { type: 'string', value: 'NEW',
    description: "required: the new connector key's RSA public key (PEM SPKI or PKCS#1, X.509 certificate, DER SPKI, CNG RSAPUBLICBLOB)" },
  'provider-name': { type: 'string', value: 'P', description: "required: the new key's storage provider, e.g. \"Microsoft Software Key Storage Provider\"" },
  'key-name': { type: 'string', value: 'K', description: "required: the new key's name in that provider, e.g. PFXEncryptionKey2027" },
  padding: { type: 'string', value: 'oaepSha256|oaepSha384|oaepSha512', defaultText: "each record's own paddingScheme", description: 'the RSA-OAEP hash the new key encrypts with' },
  upn: { type: 'string', value: 'U', description: "only this user's records" },
  'only-key-name': { type: 'string', value: 'K0', description: 'only the records whose keyName is K0 (exact)' },
  'new-private-key': { type: 'string', value: 'F', description: "the new key's private half (same forms as --private-key): records whose password decrypts with it are skipped, and each new ciphertext is decrypted back before it is sent" },
  'dry-run': { type: 'boolean', description: 'decrypt and re-encrypt as for real and list what would change; change nothing' },
  concurrency: { type: 'string', value: 'N', default: '4', description: 'batches of PATCHes (up to 20 records each) in flight at once (1-64)' },
  json: { type: 'boolean', description: 'one JSON object per record on stdout as each finishes; the summary on stderr' },
  'page-size': { ...pageSizeFlag('records'), defaultText: String(PAGE_SIZE) },
});

export const rekeyCommand: Command = {
  summary: SUMMARIES.rekey,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  notes: [
    'A record is skipped when it is already under the new key: its password decrypts with --new-private-key, or, without',
    'that flag, it already names the new provider and key and does not decrypt with --private-key. So a rerun after a',
    'crash finishes the rest. Without --new-private-key the new ciphertexts cannot be decrypted back before they are sent;',
    'run `pfxstore verify --all --private-key NEW` afterwards. Exit status: 0 every selected record rekeyed or skipped,',
    '1 any record failed (each is named with its reason) or the run was stopped, 2 a usage error.',
  ],
  async run(args) {
    const { values } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS });
    const missing = (['private-key', 'public-key', 'provider-name', 'key-name'] as const).filter((f) => !values[f]).map((f) => `--${f}`);
    if (missing.length > 0) throw new UsageError(`missing: ${missing.join('; ')}.`);
    const padding = values.padding === undefined ? undefined : paddingFlag(values.padding);
    const concurrency = integerFlag(values.concurrency, '--concurrency', 1, 64, 4);
    const pageSize = pageSizeOf(values['page-size']) ?? PAGE_SIZE;
    const settings: RekeySettings = {
      ...readKeys(values['private-key']!, values['public-key']!, values['new-private-key']),
      providerName: values['provider-name']!, keyName: values['key-name']!, padding,
    };
    const dryRun = values['dry-run'] === true;
    const reporter = new RekeyReporter({ json: values.json === true, dryRun, stdout: process.stdout, stderr: process.stderr });
    // One socket per batch in flight, and one more so the next page is fetched while they PATCH.
    const client = await connect(values, { extraRoles: [EXPORT_ROLE], concurrency: concurrency + 1, onRetry: () => reporter.retry() });
    const api = new CertificateApi(client, { batchesInFlight: concurrency });
    try {
      await rekeyAll({ api, settings, filter: { upn: values.upn, keyName: values['only-key-name'] }, pageSize, concurrency, dryRun, reporter });
    } finally {
      api.client.close();
    }
    return reporter.failed > 0 ? 1 : 0;
  },
};

/** The keys, checked against each other: the new private half must be the new key's, and the new key not the old one. */
function readKeys(oldPath: string, newPublicPath: string, newPrivatePath: string | undefined): Pick<RekeySettings, 'oldKey' | 'newPublicKey' | 'newPrivateKey'> {
  const oldKey = readPrivateKeyFile(oldPath);
  const newPublicKey = publicKeyFlag(newPublicPath);
  if (modulus(oldKey) === modulus(newPublicKey)) {
    throw new UsageError(`--public-key ${newPublicPath} is the public half of --private-key ${oldPath}: give the new key's public half.`);
  }
  if (newPrivatePath === undefined) return { oldKey, newPublicKey };
  const newPrivateKey = readPrivateKeyFile(newPrivatePath, '--new-private-key');
  if (modulus(newPrivateKey) !== modulus(newPublicKey)) {
    throw new UsageError(`--new-private-key ${newPrivatePath} is not the private half of --public-key ${newPublicPath} (their moduli differ).`);
  }
  return { oldKey, newPublicKey, newPrivateKey };
}

function modulus(key: KeyObject): string | undefined {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' }).n;
}
