/**
 * `rekey`: moves the stored PFX passwords from one connector key to another, record by record — decrypt with
 * the old private key, encrypt for the new public key, PATCH the four password fields. The PFX blob never
 * changes, and the server audits each PATCH. Idempotent, so a rerun after a crash finishes the rest.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { CertificateApi, type UserPfxCertificate } from '../client/certificates.js';
import { GraphRequestError } from '../client/errors.js';
import { EXPORT_ROLE } from '../graph/permissions.js';
import { integerFlag, pageSizeFlag, pageSizeOf, parseCommandArgs } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { paddingFlag, publicKeyFlag } from './key-flags.js';
import { runPoolStream } from './pool.js';
import { readPrivateKeyFile } from './private-key-file.js';
import { planRekey, type RekeySettings } from './rekey-record.js';
import { keyRefOf, RekeyReporter, resultOf } from './rekey-report.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';

const SUMMARY = 'move the stored PFX passwords to a new connector key (needs the export role)';
const USAGE = 'pfxstore rekey --private-key OLD --public-key NEW --provider-name P --key-name K [--padding oaepSha256|oaepSha384|oaepSha512] ' +
  '[--upn U] [--only-key-name K0] [--new-private-key F] [--dry-run] [--concurrency N] [--json] [--url U] [--token T] [--ca F] [--data DIR]';
const FLAGS = flagTable({
  'private-key': { type: 'string', value: 'OLD', description: "required: the current connector key's RSA private key, which the passwords are encrypted for now (any form verify reads)" },
  'public-key': { type: 'string', value: 'NEW', description: "required: the new connector key's RSA public key (any form import reads)" },
  'provider-name': { type: 'string', value: 'P', description: "required: the new key's storage provider, e.g. \"Microsoft Software Key Storage Provider\"" },
  'key-name': { type: 'string', value: 'K', description: "required: the new key's name in that provider, e.g. PFXEncryptionKey2027" },
  padding: { type: 'string', value: 'oaepSha256|oaepSha384|oaepSha512', defaultText: "each record's own paddingScheme", description: 'the RSA-OAEP hash the new key encrypts with' },
  upn: { type: 'string', value: 'U', description: "only this user's records" },
  'only-key-name': { type: 'string', value: 'K0', description: 'only the records whose keyName is K0 (exact)' },
  'new-private-key': { type: 'string', value: 'F', description: "the new key's private half: records whose password decrypts with it are skipped, and each new ciphertext is decrypted back before it is sent" },
  'dry-run': { type: 'boolean', description: 'decrypt and re-encrypt as for real and list what would change; change nothing' },
  concurrency: { type: 'string', value: 'N', default: '4', description: 'records worked on at once (1-64)' },
  json: { type: 'boolean', description: 'one JSON object per record on stdout as each finishes; the summary on stderr' },
  'page-size': pageSizeFlag('records'),
});

/** What rekey reads of each record: everything but the PFX blob (~3 KB of base64 each), which it never touches. */
const LISTED = ['id', 'userPrincipalName', 'thumbprint', 'providerName', 'keyName', 'paddingScheme', 'encryptedPfxPassword'];

/** Why nothing can be done against a server that does not return the records' secrets (Microsoft Graph never does). */
const NO_SECRETS = "the server returned no encryptedPfxPassword: rotation needs the records' secrets, which pfxstore returns only to a token " +
  `with its export role ${EXPORT_ROLE} (Microsoft Graph never returns them). Nothing was changed. Without them, import each PFX ` +
  'again from its source file under the new key: pfxstore import FILE.pfx --update --public-key NEW --provider-name P --key-name K …';

export const rekeyCommand: Command = {
  summary: SUMMARY,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  notes: [
    'A record is skipped when it is already under the new key: its password decrypts with --new-private-key, or, without',
    'that flag, it already names the new provider and key and does not decrypt with --private-key. So a rerun after a',
    'crash finishes the rest. Without --new-private-key the new ciphertexts cannot be decrypted back before they are sent;',
    'run `pfxstore verify --all --private-key NEW` afterwards. Exit 1 when any record failed (each is named).',
  ],
  async run(args) {
    const { values } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS });
    const missing = (['private-key', 'public-key', 'provider-name', 'key-name'] as const).filter((f) => !values[f]).map((f) => `--${f}`);
    if (missing.length > 0) throw new UsageError(`missing: ${missing.join('; ')}.`);
    const padding = values.padding === undefined ? undefined : paddingFlag(values.padding);
    const concurrency = integerFlag(values.concurrency, '--concurrency', 1, 64, 4);
    const pageSize = pageSizeOf(values['page-size']);
    const settings: RekeySettings = {
      ...readKeys(values['private-key']!, values['public-key']!, values['new-private-key']),
      providerName: values['provider-name']!, keyName: values['key-name']!, padding,
    };
    const dryRun = values['dry-run'] === true;
    const reporter = new RekeyReporter({ json: values.json === true, dryRun, stdout: process.stdout, stderr: process.stderr });
    // One socket more than the workers, so the next page is fetched while they PATCH.
    const api = new CertificateApi(await connect(values, { extraRoles: [EXPORT_ROLE], concurrency: concurrency + 1, onRetry: () => reporter.retry() }));
    try {
      const filter = { upn: values.upn, keyName: values['only-key-name'] };
      const counting = api.count(filter);
      // The server pages in insertion order (its sequence, which a PATCH leaves alone), and each next page starts
      // after the last record of the one before: a record patched here, even one that no longer matches
      // --only-key-name, is behind that position, so the listing neither skips nor repeats a record.
      const records = api.listWithSecrets(filter, pageSize, LISTED);
      const first = await records.next();
      if (first.done) {
        process.stderr.write('no records match\n');
        return 0;
      }
      if (first.value.encryptedPfxPassword === null) throw new Error(NO_SECRETS);
      reporter.total = await counting;
      try {
        await runPoolStream(resume(first.value, records), concurrency, (record) => rekeyRecord(record, { api, settings, dryRun, reporter }),
          pageSize ?? 256);
      } finally {
        reporter.finish();
      }
    } finally {
      api.client.close();
    }
    return reporter.failed > 0 ? 1 : 0;
  },
};

interface RekeyRun {
  readonly api: CertificateApi;
  readonly settings: RekeySettings;
  readonly dryRun: boolean;
  readonly reporter: RekeyReporter;
}

/** One record; every failure becomes its result, except a refused token, which stops the run. */
async function rekeyRecord(record: UserPfxCertificate, run: RekeyRun): Promise<void> {
  const plan = planRekey(record, run.settings);
  if (plan.outcome !== 'rekey') {
    run.reporter.result(resultOf(record, plan.outcome, { reason: plan.reason }));
    return;
  }
  const to = keyRefOf(plan.change);
  if (run.dryRun) {
    run.reporter.result(resultOf(record, 'would-rekey', { to }));
    return;
  }
  try {
    await run.api.changePassword(record.id, plan.change);
  } catch (err) {
    // A token the server refuses will be refused for every record: stop instead of failing each one.
    if (err instanceof GraphRequestError && (err.status === 401 || err.status === 403)) {
      throw new Error(`the server refused the change of ${record.id}: ${err.message}; the remaining records were not attempted`, { cause: err });
    }
    run.reporter.result(resultOf(record, 'failed', { reason: `the server answered ${(err as Error).message}` }));
    return;
  }
  run.reporter.result(resultOf(record, 'rekeyed', { to }));
}

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

/** The listing again from its first record, which was read ahead to check that secrets come back. */
async function* resume<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
