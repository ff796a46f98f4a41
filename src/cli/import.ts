import { CERTIFICATES_PATH, type CertificateBody, CertificateApi } from '../client/certificates.js';
import { ConnectionError, GraphRequestError } from '../client/errors.js';
import { integerFlag, parseCommandArgs } from './args.js';
import { CONNECTION_FLAGS, CONNECTION_SECTION, connect, serviceUrl } from './client-connection.js';
import type { Command } from './command.js';
import { paddingFlag, publicKeyFlag } from './key-flags.js';
import { type ImportJob, jobsFromFiles, jobsFromManifest, PURPOSES, purposeName } from './import-jobs.js';
import { deviceWarnings, needsUserMail, type UserMail } from './import-checks.js';
import { ImportFailure, type PreparedRecord, type PrepareSettings, prepareRecord } from './import-prepare.js';
import { type ImportResult, ImportReporter } from './import-report.js';
import { uploadRecord } from './import-upload.js';
import { PasswordReader, passwordSourceFromFlags } from './passwords.js';
import { runPool } from './pool.js';
import { flagTable } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';
import { SUMMARIES } from './summaries.js';

const USAGE = 'pfxstore import FILE.pfx… --upn U --public-key F --provider-name P --key-name K ' +
  `[--purpose ${PURPOSES.join('|')}] [--padding oaepSha256|oaepSha384|oaepSha512] ` +
  '[--password-env VAR | --password-file F | --password-stdin] [--update] [--dry-run] [--allow-expired] [--strict] ' +
  '[--manifest CSV (columns path,upn,purpose,password_file)] [--concurrency N] [--json] [--url U] [--token T] [--ca F] [--data DIR]';

const FLAGS = flagTable({
  upn: { type: 'string', value: 'U', description: 'the user the certificates belong to (required with files; a manifest row\'s upn wins)' },
  'public-key': { type: 'string', value: 'F',
    description: 'required: the connector\'s RSA public key, which encrypts each PFX password (PEM SPKI or PKCS#1, X.509 certificate, DER SPKI, CNG RSAPUBLICBLOB)' },
  'provider-name': { type: 'string', value: 'P', description: 'required: the key storage provider of the connector key, e.g. "Microsoft Software Key Storage Provider"' },
  'key-name': { type: 'string', value: 'K', description: 'required: the connector key\'s name in that provider, e.g. PFXEncryptionKey' },
  purpose: { type: 'string', value: PURPOSES.join('|'), default: 'unassigned', description: 'the intendedPurpose (a manifest row\'s purpose wins; any case)' },
  padding: { type: 'string', value: 'oaepSha256|oaepSha384|oaepSha512', default: 'oaepSha512', description: 'the RSA-OAEP hash that encrypts the password' },
  'password-env': { type: 'string', value: 'VAR', description: 'read the PFX password from this environment variable' },
  'password-file': { type: 'string', value: 'F', description: 'read the PFX password from this file (one trailing newline is dropped)' },
  'password-stdin': { type: 'boolean', description: 'read the PFX password from stdin (a hidden prompt on a terminal)' },
  update: { type: 'boolean', description: 'replace a record that is already stored (PATCH) instead of skipping it' },
  'dry-run': { type: 'boolean', description: 'check every file and print the requests instead of sending them (needs no server)' },
  'allow-expired': { type: 'boolean', description: 'import certificates that have expired (refused otherwise)' },
  strict: { type: 'boolean', description: 'fail a file that the device checks warn about (wrong EKU or key usage, no matching e-mail address, '
    + 'vpn/wifi, not yet valid): exit 1, the reason in the summary, nothing sent for it' },
  manifest: { type: 'string', value: 'CSV', description: 'import the files a CSV lists: columns path,upn,purpose,password_file (paths relative to the CSV)' },
  concurrency: { type: 'string', value: 'N', default: '4', description: 'files prepared and sent at once (1-64)' },
  json: { type: 'boolean', description: 'the summary as JSON; with --dry-run, each complete request body, one JSON object per line' },
});

export const importCommand: Command = {
  summary: SUMMARIES.import,
  usage: USAGE,
  flags: [{ title: 'Options', flags: FLAGS }, CONNECTION_SECTION],
  notes: [
    'Each certificate is checked for what stops it working on a device (S/MIME purposes: the emailProtection EKU, keyEncipherment or',
    'digitalSignature key usage, an e-mail address matching the UPN or the user\'s mail; vpn and wifi, which Intune does not deliver for',
    'imported PFX files; a certificate not yet valid): each finding is a warning on stderr, or with --strict a failure of that file.',
    '--dry-run --json writes each request body whole, encryptedPfxBlob included, as one line of JSON, in the order of the files (or',
    'manifest rows): with one file, `--dry-run --json > cert.json` gives a body to POST to .../deviceManagement/userPfxCertificates.',
    'Without --json, a dry run shows each request with the encryptedPfxBlob abbreviated.',
  ],
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { ...CONNECTION_FLAGS, ...FLAGS }, true);
    if (values.manifest !== undefined && positionals.length > 0) throw new UsageError('give PFX files or --manifest, not both.');
    const password = passwordSourceFromFlags(values);
    const missing = missingFlags(values, positionals.length > 0, password !== undefined);
    if (missing.length > 0) throw new UsageError(`missing: ${missing.join('; ')}.`);
    const purpose = purposeName(values.purpose!);
    if (!purpose) throw new UsageError(`--purpose must be one of ${PURPOSES.join(', ')}, not '${values.purpose}'.`);
    const padding = paddingFlag(values.padding!);
    const concurrency = integerFlag(values.concurrency, '--concurrency', 1, 64, 4);
    const defaults = { upn: values.upn, purpose, password };
    const jobs = values.manifest !== undefined ? await jobsFromManifest(values.manifest, defaults)
      : jobsFromFiles(positionals, { upn: values.upn!, purpose, password: password! });

    const settings: PrepareSettings = {
      publicKey: publicKeyFlag(values['public-key']!),
      padding,
      providerName: values['provider-name']!,
      keyName: values['key-name']!,
      allowExpired: values['allow-expired'] === true,
    };
    const dryRun = values['dry-run'] === true;
    const bulk = values.manifest !== undefined || jobs.length > 1;
    // In a dry run stdout carries the request bodies, so progress and the summary go to stderr.
    const reporter = new ImportReporter({
      total: jobs.length, bulk, json: values.json === true && !dryRun, stdout: dryRun ? process.stderr : process.stdout, stderr: process.stderr,
    });
    const api = dryRun ? undefined : new CertificateApi(await connect(values, { concurrency, onRetry: (e) => reporter.retry(e) }));
    const passwords = new PasswordReader();
    // Read the shared password up front: a missing variable is reported once, and a stdin prompt comes before any progress.
    if (password && jobs.some((j) => j.password === password && !j.problem)) await passwords.read(password);
    const run: RunState = { settings, api, passwords, update: values.update === true, strict: values.strict === true, reporter, planned: [] };
    const order = new Map<ImportResult, number>();
    try {
      await runPool(jobs, concurrency, async (job, index) => {
        const result = await importJob(job, index, run);
        order.set(result, index);
        reporter.result(result);
      });
    } finally {
      api?.client.close();
    }
    reporter.finish((r) => order.get(r) ?? 0);
    if (dryRun) printDryRun(run.planned.sort((a, b) => a.index - b.index), serviceUrl(values), run.update, values.json === true);
    return reporter.failed > 0 ? 1 : 0;
  },
};

interface RunState {
  readonly settings: PrepareSettings;
  /** Absent in a dry run: bodies are collected in `planned` instead of sent. */
  readonly api: CertificateApi | undefined;
  readonly passwords: PasswordReader;
  readonly update: boolean;
  /** Device-check warnings fail the file. */
  readonly strict: boolean;
  readonly reporter: ImportReporter;
  readonly planned: { index: number; job: ImportJob; body: CertificateBody }[];
  /** Set when the server refused the token: the remaining files are not attempted. */
  stopped?: string;
}

/** One file, start to end; every failure becomes a result, so the run carries on. */
async function importJob(job: ImportJob, index: number, run: RunState): Promise<ImportResult> {
  const base = { file: job.file, row: job.row, upn: job.upn };
  try {
    if (job.problem) throw new ImportFailure(job.problem);
    if (run.stopped) throw new ImportFailure(`not attempted: ${run.stopped}`);
    const secret = await run.passwords.read(job.password!);
    const prepared = await prepareRecord({ file: job.file, upn: job.upn, purpose: job.purpose, password: secret }, run.settings);
    const device = await deviceCheck(job, prepared, run.api);
    const warnings = [...prepared.warnings, ...device];
    const { thumbprint } = prepared.body;
    const label = job.row !== undefined ? `row ${job.row} ${job.file}` : job.file;
    for (const w of prepared.warnings) run.reporter.warn(label, w);
    if (run.strict && device.length > 0) {
      return { ...base, thumbprint, outcome: 'failed', message: `refused by --strict: ${numbered(device)}`, warnings };
    }
    for (const w of device) run.reporter.warn(label, w);
    if (!run.api) {
      run.planned.push({ index, job, body: prepared.body });
      return { ...base, thumbprint, outcome: 'prepared', warnings };
    }
    if (run.stopped) throw new ImportFailure(`not attempted: ${run.stopped}`);
    const uploaded = await uploadRecord(run.api, prepared.body, run.update);
    return { ...base, thumbprint, outcome: uploaded.outcome, id: uploaded.id, message: uploaded.note, warnings };
  } catch (err) {
    // A token the server refuses will be refused for every file: stop instead of repeating it N times.
    if (err instanceof GraphRequestError && (err.status === 401 || err.status === 403)) {
      run.stopped ??= `the server refused the token (${err.status} ${err.code})`;
    }
    return { ...base, outcome: 'failed', message: failureMessage(err), warnings: [] };
  }
}

/** What would stop a device using the certificate (import-checks.ts); the owner's mail is asked for only when it decides. */
async function deviceCheck(job: ImportJob, prepared: PreparedRecord, api: CertificateApi | undefined): Promise<string[]> {
  const { usage, notBefore } = prepared.certificate;
  const mail = needsUserMail(job.purpose, job.upn, usage) ? await userMail(api, job.upn) : undefined;
  return deviceWarnings({ purpose: job.purpose, upn: job.upn, usage, notBefore, now: new Date(), mail });
}

/** A failed lookup leaves the mail unknown rather than failing the file: the upload says what is wrong with the server. */
async function userMail(api: CertificateApi | undefined, upn: string): Promise<UserMail> {
  if (!api) return { missing: 'a dry run does not look up the user\'s mail' };
  try {
    const user = await api.user(upn);
    if (!user) return { missing: 'no such user yet, so no mail to compare' };
    return user.mail ? { address: user.mail } : { missing: 'the user has no mail' };
  } catch (err) {
    return { missing: `the user's mail could not be looked up: ${failureMessage(err)}` };
  }
}

/** Each reason holds a `;` of its own (what is wrong; what to do), so several are numbered. */
function numbered(reasons: readonly string[]): string {
  return reasons.length === 1 ? reasons[0]! : reasons.map((r, i) => `(${i + 1}) ${r}`).join(' ');
}

/** Every required flag that is absent, so that one run names them all. A manifest row may carry its own upn and password. */
function missingFlags(values: { manifest?: string; upn?: string; [flag: string]: unknown }, files: boolean, password: boolean): string[] {
  const missing: string[] = [];
  const manifest = values.manifest !== undefined;
  if (!manifest && !files) missing.push('the PFX files to import (or --manifest CSV)');
  if (!manifest && values.upn === undefined) missing.push('--upn (the user the certificates belong to)');
  for (const flag of ['public-key', 'provider-name', 'key-name']) {
    if (!values[flag]) missing.push(`--${flag}`);
  }
  if (!manifest && !password) missing.push('the PFX password: --password-env VAR, --password-file F or --password-stdin');
  return missing;
}

function failureMessage(err: unknown): string {
  if (err instanceof ImportFailure || err instanceof ConnectionError) return err.message;
  if (err instanceof GraphRequestError) return `the server answered ${err.message}`;
  return (err as Error).message ?? String(err);
}

/**
 * The requests an import would make, as the PowerShell module builds them. `--json` writes each body whole, one
 * per line (JSON Lines), for a script or curl to send: one file gives exactly one JSON object. The text form is
 * for reading, so the PFX blob is abbreviated there (it is the private key, protected only by the password).
 * The encrypted password is safe to show; the password never is.
 */
function printDryRun(planned: { job: ImportJob; body: CertificateBody }[], baseUrl: string, update: boolean, json: boolean): void {
  if (json) {
    process.stdout.write(planned.map(({ body }) => `${JSON.stringify(body)}\n`).join(''));
    return;
  }
  for (const { job, body } of planned) {
    const url = update ? `${baseUrl}/${CERTIFICATES_PATH}({id of ${body.userPrincipalName}}-${body.thumbprint})` : `${baseUrl}/${CERTIFICATES_PATH}`;
    const shown = { ...body, encryptedPfxBlob: abbreviate(body.encryptedPfxBlob) };
    process.stdout.write(`# ${job.row !== undefined ? `row ${job.row} ` : ''}${job.file}\n${update ? 'PATCH' : 'POST'} ${url}\n${JSON.stringify(shown, null, 2)}\n\n`);
  }
}

function abbreviate(base64: string): string {
  return `${base64.slice(0, 24)}…(${Buffer.from(base64, 'base64').length} bytes)`;
}
