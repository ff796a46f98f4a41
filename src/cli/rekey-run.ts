/**
 * `rekey` over every selected record: the listing (with the encrypted passwords, so the export role is needed) is
 * read ahead a page or two while records are worked on — decrypted, re-encrypted (rekey-record.ts) and PATCHed, the
 * PATCHes in JSON batches of 20 with up to `concurrency` batches in flight — and each outcome goes to the reporter as
 * it is known.
 */
import { setImmediate as turn } from 'node:timers/promises';
import { MAX_BATCH_REQUESTS } from '../client/batch.js';
import type { CertificateApi, CertificateFilter, UserPfxCertificate } from '../client/certificates.js';
import { GraphRequestError } from '../client/errors.js';
import { EXPORT_ROLE } from '../graph/permissions.js';
import { planRekey, type RekeySettings } from './rekey-record.js';
import { forEachSecretRecord } from './secret-records.js';
import { keyRefOf, type RekeyReporter, resultOf } from './rekey-report.js';

/** What rekey reads of each record: everything but the PFX blob (~3 KB of base64 each), which it never touches. */
const LISTED = ['id', 'userPrincipalName', 'thumbprint', 'providerName', 'keyName', 'paddingScheme', 'encryptedPfxPassword'];

/** Why nothing can be done against a server that does not return the records' secrets (Microsoft Graph never does). */
export const NO_SECRETS = "the server returned no encryptedPfxPassword: rotation needs the records' secrets, which pfxstore returns only to " +
  `a token with its export role ${EXPORT_ROLE} (Microsoft Graph never returns them). Nothing was changed. Without them, import ` +
  'each PFX again from its source file under the new key: pfxstore import FILE.pfx --update --public-key NEW --provider-name P --key-name K …';

export interface RekeyRun {
  readonly api: CertificateApi;
  readonly settings: RekeySettings;
  readonly filter: CertificateFilter;
  readonly pageSize: number;
  /** PATCH batches in flight (the api's own setting; here it sizes how many records are worked on at once). */
  readonly concurrency: number;
  readonly dryRun: boolean;
  readonly reporter: RekeyReporter;
}

/**
 * Every selected record, to the end. Throws before any change when the first record comes without its secrets, and
 * stops (throwing, once the records in work have settled) when the server refuses the token; the reporter has every
 * outcome up to there.
 */
export async function rekeyAll(run: RekeyRun): Promise<void> {
  const { api, filter } = run;
  await forEachSecretRecord({
    // The server pages in insertion order (its sequence, which a PATCH leaves alone), and each next page starts after
    // the last record of the one before: a record patched here, even one that no longer matches --only-key-name, is
    // behind that position, so the listing neither skips nor repeats a record.
    records: api.listWithSecrets(filter, run.pageSize, LISTED),
    count: () => api.count(filter),
    pageSize: run.pageSize,
    // Records enough for `concurrency` batches of PATCHes in flight (the CertificateApi batches them) and one more
    // being prepared meanwhile, which leaves as soon as a batch comes back.
    inWork: (run.concurrency + 1) * MAX_BATCH_REQUESTS,
    reporter: run.reporter,
    hasSecrets: (record) => record.encryptedPfxPassword !== null,
    noSecrets: NO_SECRETS,
    nothingDone: 'nothing rekeyed',
    work: (record) => rekeyRecord(record, run),
  });
}

/** One record; every failure becomes its result, except a refused token, which stops the run. */
async function rekeyRecord(record: UserPfxCertificate, run: RekeyRun): Promise<void> {
  const plan = planRekey(record, run.settings);
  if (plan.outcome !== 'rekey' || run.dryRun) {
    run.reporter.result(plan.outcome === 'rekey' ? resultOf(record, 'would-rekey', { to: keyRefOf(plan.change) })
      : resultOf(record, plan.outcome, { reason: plan.reason }));
    // Nothing was sent: let the event loop turn, so the next page's response is read while these are worked through.
    await turn();
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
  run.reporter.result(resultOf(record, 'rekeyed', { to: keyRefOf(plan.change) }));
}
