/**
 * `verify`: does what the Intune PFX Certificate Connector will do with a record — decrypt the password with
 * its private key and the record's padding, open the PFX — and checks what it relies on, so a bad record is
 * found before a user's device waits for a certificate that never comes. `verify ID` checks one record;
 * `verify --all` every selected one (verify-all.ts). The checks themselves are in verify-record.ts.
 */
import { CertificateApi, type UserPfxCertificate } from '../client/certificates.js';
import { EXPORT_ROLE } from '../graph/permissions.js';
import { integerFlag, pageSizeFlag, pageSizeOf, parseCommandArgs } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect } from './client-connection.js';
import type { Command } from './command.js';
import { printJson } from './output.js';
import { readPrivateKeyFile } from './private-key-file.js';
import { DEFAULT_PAGE_SIZE, verifyAll } from './verify-all.js';
import { deliverable as isDeliverable, verifyRecord } from './verify-record.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { SUMMARIES } from './summaries.js';

export { type Check, verifyRecord } from './verify-record.js';

const CONNECTION_USAGE = '[--url U] [--token T] [--ca F] [--data DIR]';
const USAGE = `pfxstore verify ID --private-key F [--json] ${CONNECTION_USAGE} | ` +
  `verify --all --private-key F [--upn U] [--key-name K] [--concurrency N] [--json] ${CONNECTION_USAGE}`;
const FLAGS = flagTable({
  'private-key': { type: 'string', value: 'F', description: "required: the connector's RSA private key (PEM or DER, PKCS#8 or PKCS#1, or a CNG private blob), e.g. keygen's NAME.key.pem or NAME.private.cngblob" },
  all: { type: 'boolean', description: 'check every record (all pages), or those --upn and --key-name select, instead of one ID' },
  upn: { type: 'string', value: 'U', description: "with --all: only this user's records (userPrincipalName, any case)" },
  'key-name': { type: 'string', value: 'K', description: 'with --all: only records whose password is encrypted for this connector key (keyName, exact)' },
  concurrency: { type: 'string', value: 'N', defaultText: '4',
    description: 'with --all: pages fetched ahead of the checks (1-64); the checks themselves run one at a time, so this overlaps fetching with checking' },
  json: { type: 'boolean', description: 'print the checks as JSON; with --all, one JSON object per record per line (JSON Lines), the summary on stderr' },
  'page-size': { ...pageSizeFlag('records'), description: `with --all: ${pageSizeFlag('records').description}`, defaultText: String(DEFAULT_PAGE_SIZE) },
});
/** The flags that select or pace what `--all` checks: meaningless for one ID. */
const ALL_ONLY = ['upn', 'key-name', 'concurrency', 'page-size'] as const;

export const verifyCommand: Command = {
  summary: SUMMARIES.verify,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  notes: [
    'Exit status: 0 when every record checked is deliverable (warnings, such as an expired certificate, do not count),',
    '1 when any is not or the check could not be made (e.g. the token lacks the export role), 2 for a usage error.',
  ],
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS }, true);
    const all = values.all === true;
    if (all && positionals.length > 0) throw new UsageError('give one certificate ID or --all, not both.');
    if (!all && positionals.length !== 1) throw new UsageError('give exactly one certificate ID, or --all for every record.');
    const misplaced = ALL_ONLY.filter((flag) => values[flag] !== undefined);
    if (!all && misplaced.length > 0) throw new UsageError(`${misplaced.map((f) => `--${f}`).join(', ')} only go${misplaced.length === 1 ? 'es' : ''} with --all.`);
    const concurrency = integerFlag(values.concurrency, '--concurrency', 1, 64, 4);
    const pageSize = pageSizeOf(values['page-size']) ?? DEFAULT_PAGE_SIZE;
    if (!values['private-key']) throw new UsageError('--private-key F is required (the key the connector decrypts passwords with).');
    const privateKey = readPrivateKeyFile(values['private-key']);
    const api = new CertificateApi(await connect(values, { extraRoles: [EXPORT_ROLE] }));
    if (all) {
      try {
        return await verifyAll({ api, privateKey, filter: { upn: values.upn, keyName: values['key-name'] }, pageSize, pagesAhead: concurrency, json: values.json === true });
      } finally {
        api.client.close();
      }
    }
    let record: UserPfxCertificate;
    try {
      record = await api.get(positionals[0]!);
    } finally {
      api.client.close();
    }
    const checks = verifyRecord(record, privateKey);
    const deliverable = isDeliverable(checks);
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
