/**
 * `push`: copies escrowed records from the current endpoint (a pfxstore, read with its export role) to another Graph
 * endpoint — Intune's, or another pfxstore — each password re-encrypted for the target's connector key. Records the
 * target has already (same user and thumbprint) are skipped, so a rerun after a crash or a failure sends only the
 * rest. Intune throttles writes; the client waits out each 429/503's Retry-After.
 */
import { CertificateApi } from '../client/certificates.js';
import { EXPORT_ROLE } from '../graph/permissions.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { integerFlag, pageSizeFlag, pageSizeOf, parseCommandArgs } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { paddingFlag, publicKeyFlag } from './key-flags.js';
import { connectEndpoint, endpointFlags } from './other-endpoint.js';
import { readPrivateKeyFile } from './private-key-file.js';
import { PushReporter } from './push-report.js';
import { pushAll } from './push-run.js';
import { SUMMARIES } from './summaries.js';

/** Records per source page when --page-size is not given: each carries its PFX blob (~3-4 KB of base64). */
const PAGE_SIZE = 100;
const CONCURRENCY = 8;

const USAGE = 'pfxstore push --to URL (--to-token T | --to-token-env VAR) [--to-ca F] --private-key F --public-key TARGET_KEY ' +
  '--provider-name P --key-name K [--padding oaepSha256|oaepSha384|oaepSha512] [--upn U] [--dry-run] [--concurrency N] [--json] ' +
  '[--url U] [--token T] [--ca F] [--data DIR]';
const TARGET_FLAGS = endpointFlags('to', 'the endpoint the records are copied to');
const FLAGS = flagTable({
  'private-key': { type: 'string', value: 'F', description: "required: the RSA private key the source's passwords are encrypted for (PEM or DER, PKCS#8 or PKCS#1, or a CNG private blob)" },
  'public-key': { type: 'string', value: 'TARGET_KEY',
    description: "required: the target connector's RSA public key (PEM SPKI or PKCS#1, X.509 certificate, DER SPKI, CNG RSAPUBLICBLOB)" },
  'provider-name': { type: 'string', value: 'P', description: "required: the target key's storage provider, e.g. \"Microsoft Software Key Storage Provider\"" },
  'key-name': { type: 'string', value: 'K', description: "required: the target key's name in that provider, e.g. PFXEncryptionKey" },
  padding: { type: 'string', value: 'oaepSha256|oaepSha384|oaepSha512', defaultText: "each record's own paddingScheme", description: 'the RSA-OAEP hash the target key encrypts with' },
  upn: { type: 'string', value: 'U', description: "only this user's records" },
  'dry-run': { type: 'boolean', description: 'decrypt, re-encrypt and look up on the target as for real, list what would be created; create nothing' },
  concurrency: { type: 'string', value: 'N', default: String(CONCURRENCY), description: 'records worked on at once (1-64), each a few requests to the target' },
  json: { type: 'boolean', description: 'one JSON object per record on stdout as each finishes; the summary on stderr' },
  'page-size': { ...pageSizeFlag('source records'), defaultText: String(PAGE_SIZE) },
});
const REQUIRED = ['private-key', 'public-key', 'provider-name', 'key-name'] as const;

export const pushCommand: Command = {
  summary: SUMMARIES.push,
  usage: USAGE,
  flags: [{ title: 'Target', flags: TARGET_FLAGS }, { title: 'Options', flags: FLAGS }, { ...CONNECTION_SECTION, title: 'Connection (the source)' }],
  notes: [
    'The source is the usual connection: a pfxstore whose token holds the export role (a dev-mode token has it); it stops',
    "before sending anything when the records come without their secrets. Each record's owner must exist on the target",
    '(looked up by userPrincipalName, never created there); a missing one fails that record. A record the target has',
    'already (same user and thumbprint) is skipped, so a rerun sends only the rest. A 429 or 503 is retried after its',
    'Retry-After; retries are counted in the summary. Exit status: 0 every selected record pushed or skipped, 1 any',
    'record failed (each is named with its reason) or the run was stopped, 2 a usage error.',
  ],
  async run(args) {
    const { values } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...TARGET_FLAGS, ...FLAGS });
    const missing = [
      ...(values.to ? [] : ['--to']),
      ...(values['to-token'] || values['to-token-env'] ? [] : ['--to-token or --to-token-env']),
      ...REQUIRED.filter((f) => !values[f]).map((f) => `--${f}`),
    ];
    if (missing.length > 0) throw new UsageError(`missing: ${missing.join('; ')}.`);
    const padding = values.padding === undefined ? undefined : paddingFlag(values.padding);
    const concurrency = integerFlag(values.concurrency, '--concurrency', 1, 64, CONCURRENCY);
    const pageSize = pageSizeOf(values['page-size']) ?? PAGE_SIZE;
    const dryRun = values['dry-run'] === true;
    const reporter = new PushReporter({ json: values.json === true, dryRun, stdout: process.stdout, stderr: process.stderr });
    const onRetry = () => reporter.retry();
    // The target's flags are checked (usage errors) before the keys are read and before either side is asked anything.
    const targetClient = connectEndpoint(values, 'to', { concurrency, onRetry });
    try {
      const reencryption = {
        oldKey: readPrivateKeyFile(values['private-key']!),
        newPublicKey: publicKeyFlag(values['public-key']!),
        providerName: values['provider-name']!, keyName: values['key-name']!, padding,
      };
      // The listing and, while a bar is drawn, its /$count.
      const source = new CertificateApi(await connect(values, { extraRoles: [EXPORT_ROLE], concurrency: 2, onRetry }));
      try {
        const target = { api: new CertificateApi(targetClient), reencryption, dryRun };
        await pushAll({ source, target, filter: { upn: values.upn }, pageSize, concurrency, reporter });
      } finally {
        source.client.close();
      }
    } finally {
      targetClient.close();
    }
    return reporter.failed > 0 ? 1 : 0;
  },
};
