/**
 * `verify --all`: the checks of `verify ID` (verify-record.ts) for every record the filter selects, across all
 * pages. The records come with their secrets (`listWithSecrets`), so the export role is needed; a server that
 * sends them without (a token lacking the role, or Microsoft Graph) is named at the first record and nothing more
 * is attempted.
 *
 * The checks are synchronous crypto (RSA-OAEP, the PKCS#12 MAC, PBKDF2 and AES) and run one at a time; what runs
 * alongside them is the fetching: pages are read ahead (`pagesAhead` of them) while the current one is checked.
 */
import type { KeyObject } from 'node:crypto';
import { setImmediate as turn } from 'node:timers/promises';
import type { CertificateApi, CertificateFilter, UserPfxCertificate } from '../client/certificates.js';
import { ReadAhead } from './read-ahead.js';
import { type RecordResult, VerifyAllReport } from './verify-all-report.js';
import { type Check, deliverable, hasSecrets, MISSING_SECRETS, verifyRecord } from './verify-record.js';

/**
 * Records per page when `--page-size` is not given. Smaller than Graph's default of 1,000 so the checks start after
 * a short first page and every later page arrives while the one before is checked.
 */
export const DEFAULT_PAGE_SIZE = 100;

export interface VerifyAllOptions {
  readonly api: CertificateApi;
  readonly privateKey: KeyObject;
  readonly filter: CertificateFilter;
  readonly pageSize: number;
  /** Pages held ahead of the checks (`--concurrency`). */
  readonly pagesAhead: number;
  readonly json: boolean;
}

/** Checks every selected record; resolves to the exit status (0 every one deliverable, 1 otherwise). */
export async function verifyAll(options: VerifyAllOptions): Promise<number> {
  const { api, privateKey, filter } = options;
  const report = new VerifyAllReport({ json: options.json, stdout: process.stdout, stderr: process.stderr });
  const counting = report.wantsTotal ? api.count(filter).then((total) => { report.total = total; }) : Promise.resolve();
  const records = new ReadAhead(api.listWithSecrets(filter, options.pageSize), options.pageSize * options.pagesAhead);
  const now = new Date();
  try {
    for await (const record of records) {
      if (!hasSecrets(record)) throw new Error(`stopped at record ${record.id}: ${MISSING_SECRETS}`);
      report.result(check(record, privateKey, now));
      // Let the event loop read the next page's response (and the count) between two synchronous checks.
      await turn();
    }
    await counting;
  } finally {
    report.end();
  }
  report.finish();
  return report.failed > 0 ? 1 : 0;
}

function check(record: UserPfxCertificate, privateKey: KeyObject, now: Date): RecordResult {
  let checks: Check[];
  try {
    checks = verifyRecord(record, privateKey, now);
  } catch (err) {
    // One malformed record (say, a damaged certificate) is reported as its failure; the run goes on.
    checks = [{ check: 'record', ok: false, detail: `cannot be checked: ${(err as Error).message}` }];
  }
  return { id: record.id, userPrincipalName: record.userPrincipalName, thumbprint: record.thumbprint, deliverable: deliverable(checks), checks };
}
