/**
 * `push` over every selected record: the source's listing (with the secrets, so the export role is needed) is read
 * ahead a page or two while up to `concurrency` records are worked on (push-record.ts), and each outcome goes to
 * the reporter as it is known.
 */
import type { CertificateApi, CertificateFilter } from '../client/certificates.js';
import { EXPORT_ROLE } from '../graph/permissions.js';
import { pushRecord, type PushTarget } from './push-record.js';
import type { PushReporter } from './push-report.js';
import { forEachSecretRecord } from './secret-records.js';

/** Why nothing can be pushed from a source that does not return the records' secrets (Microsoft Graph never does). */
export const NO_SECRETS = "the source returned no encryptedPfxPassword or encryptedPfxBlob: push copies the records' secrets, which pfxstore " +
  `returns only to a token with its export role ${EXPORT_ROLE} (Microsoft Graph never returns them, so the source must be a pfxstore). ` +
  'Nothing was pushed.';

export interface PushRun {
  /** The current endpoint, which the records are read from. */
  readonly source: CertificateApi;
  readonly target: PushTarget;
  readonly filter: CertificateFilter;
  readonly pageSize: number;
  /** Records worked on at once: each is a few requests to the target, one after another. */
  readonly concurrency: number;
  readonly reporter: PushReporter;
}

/**
 * Every selected record, to the end. Throws before anything is sent to the target when the first record comes
 * without its secrets, and stops (throwing, once the records in work have settled) when the target refuses the
 * token; the reporter has every outcome up to there.
 */
export async function pushAll(run: PushRun): Promise<void> {
  const { source, filter } = run;
  await forEachSecretRecord({
    // The whole record, blob included: it is copied as it is.
    records: source.listWithSecrets(filter, run.pageSize),
    count: () => source.count(filter),
    pageSize: run.pageSize,
    inWork: run.concurrency,
    reporter: run.reporter,
    hasSecrets: (record) => record.encryptedPfxPassword !== null && record.encryptedPfxBlob !== null,
    noSecrets: NO_SECRETS,
    nothingDone: 'nothing pushed',
    work: async (record) => run.reporter.result(await pushRecord(record, run.target)),
  });
}
