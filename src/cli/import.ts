import { readFileSync } from 'node:fs';
import { CERTIFICATES_PATH, type CertificateBody, CertificateApi } from '../client/certificates.js';
import { ConnectionError, GraphRequestError } from '../client/errors.js';
import { KeyError, oaepPadding, type OaepPadding, readRsaPublicKey } from '../pfx/index.js';
import { integerFlag, parseCommandArgs, printedHelp } from './args.js';
import { CONNECTION_OPTIONS, connect, serviceUrl } from './client-connection.js';
import type { Command } from './command.js';
import { type ImportJob, jobsFromFiles, jobsFromManifest, PURPOSES, purposeName } from './import-jobs.js';
import { ImportFailure, type PrepareSettings, prepareRecord } from './import-prepare.js';
import { type ImportResult, ImportReporter } from './import-report.js';
import { uploadRecord } from './import-upload.js';
import { PasswordReader, passwordSourceFromFlags } from './passwords.js';
import { runPool } from './pool.js';
import { UsageError } from '../util/usage-error.js';

const SUMMARY = 'import PFX files (one, several, or a manifest CSV) for their users';
const USAGE = 'pfxstore import FILE.pfx… --upn U --public-key F --provider-name P --key-name K ' +
  `[--purpose ${PURPOSES.join('|')}] [--padding oaepSha256|oaepSha384|oaepSha512] ` +
  '[--password-env VAR | --password-file F | --password-stdin] [--update] [--dry-run] [--allow-expired] ' +
  '[--manifest CSV (columns path,upn,purpose,password_file)] [--concurrency N] [--json] [--url U] [--token T] [--ca F] [--data DIR]';

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  upn: { type: 'string' },
  'public-key': { type: 'string' },
  'provider-name': { type: 'string' },
  'key-name': { type: 'string' },
  purpose: { type: 'string', default: 'unassigned' },
  padding: { type: 'string', default: 'oaepSha512' },
  'password-env': { type: 'string' },
  'password-file': { type: 'string' },
  'password-stdin': { type: 'boolean' },
  update: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'allow-expired': { type: 'boolean' },
  manifest: { type: 'string' },
  concurrency: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const importCommand: Command = {
  summary: SUMMARY,
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, true);
    if (printedHelp(values, USAGE, SUMMARY)) return 0;
    if (values.manifest !== undefined && positionals.length > 0) throw new UsageError('give PFX files or --manifest, not both.');
    if (values.manifest === undefined && positionals.length === 0) throw new UsageError('name at least one PFX file, or --manifest CSV.');
    for (const flag of ['public-key', 'provider-name', 'key-name'] as const) {
      if (!values[flag]) throw new UsageError(`--${flag} is required.`);
    }
    const purpose = purposeName(values.purpose!);
    if (!purpose) throw new UsageError(`--purpose must be one of ${PURPOSES.join(', ')}, not '${values.purpose}'.`);
    const padding = paddingFlag(values.padding!);
    const concurrency = integerFlag(values.concurrency, '--concurrency', 1, 64, 4);
    const password = passwordSourceFromFlags(values);
    const defaults = { upn: values.upn, purpose, password };
    const jobs = values.manifest !== undefined ? await jobsFromManifest(values.manifest, defaults) : jobsFromFiles(positionals, defaults);

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
    const run: RunState = { settings, api, passwords, update: values.update === true, reporter, planned: [] };
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
    for (const w of prepared.warnings) run.reporter.warn(job.row !== undefined ? `row ${job.row} ${job.file}` : job.file, w);
    const { thumbprint } = prepared.body;
    if (!run.api) {
      run.planned.push({ index, job, body: prepared.body });
      return { ...base, thumbprint, outcome: 'prepared', warnings: prepared.warnings };
    }
    if (run.stopped) throw new ImportFailure(`not attempted: ${run.stopped}`);
    const uploaded = await uploadRecord(run.api, prepared.body, run.update);
    return { ...base, thumbprint, outcome: uploaded.outcome, id: uploaded.id, message: uploaded.note, warnings: prepared.warnings };
  } catch (err) {
    // A token the server refuses will be refused for every file: stop instead of repeating it N times.
    if (err instanceof GraphRequestError && (err.status === 401 || err.status === 403)) {
      run.stopped ??= `the server refused the token (${err.status} ${err.code})`;
    }
    return { ...base, outcome: 'failed', message: failureMessage(err), warnings: [] };
  }
}

function paddingFlag(text: string): OaepPadding {
  try {
    return oaepPadding(text);
  } catch (err) {
    if (err instanceof KeyError) throw new UsageError(`--padding: ${err.message}.`);
    throw err;
  }
}

/** Read once for all files. A bad key is not a usage error: the flag is right, the file is wrong (exit 1). */
function publicKeyFlag(path: string) {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new Error(`--public-key ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
  }
  try {
    return readRsaPublicKey(data);
  } catch (err) {
    if (err instanceof KeyError) throw new Error(`--public-key ${path}: ${err.message}`, { cause: err });
    throw err;
  }
}

function failureMessage(err: unknown): string {
  if (err instanceof ImportFailure || err instanceof ConnectionError) return err.message;
  if (err instanceof GraphRequestError) return `the server answered ${err.message}`;
  return (err as Error).message ?? String(err);
}

/**
 * The requests an import would make, as the PowerShell module builds them. The PFX blob is abbreviated (it is
 * the private key, protected only by the password); the encrypted password is safe to show; the password never is.
 */
function printDryRun(planned: { job: ImportJob; body: CertificateBody }[], baseUrl: string, update: boolean, json: boolean): void {
  const requests = planned.map(({ job, body }) => ({
    file: job.file,
    ...(job.row !== undefined ? { row: job.row } : {}),
    method: update ? 'PATCH' : 'POST',
    url: update ? `${baseUrl}/${CERTIFICATES_PATH}({id of ${body.userPrincipalName}}-${body.thumbprint})` : `${baseUrl}/${CERTIFICATES_PATH}`,
    body: { ...body, encryptedPfxBlob: abbreviate(body.encryptedPfxBlob) },
  }));
  if (json) {
    process.stdout.write(`${JSON.stringify(requests, null, 2)}\n`);
    return;
  }
  for (const r of requests) {
    process.stdout.write(`# ${r.row !== undefined ? `row ${r.row} ` : ''}${r.file}\n${r.method} ${r.url}\n${JSON.stringify(r.body, null, 2)}\n\n`);
  }
}

function abbreviate(base64: string): string {
  return `${base64.slice(0, 24)}…(${Buffer.from(base64, 'base64').length} bytes)`;
}
