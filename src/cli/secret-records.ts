/**
 * The loop `rekey` and `push` share: the selected records with their secrets, read ahead two pages while up to
 * `inWork` of them are worked on. Stops before any work when the first record comes without the secrets it needs
 * (a token without the export role, or Microsoft Graph, which never returns them); asks for the total only when a
 * progress bar shows it; and finishes the report however the run ends.
 */
import type { UserPfxCertificate } from '../client/certificates.js';
import { runPoolStream } from './pool.js';
import { ReadAhead, resume } from './read-ahead.js';

export interface SecretRecordsRun {
  readonly records: AsyncGenerator<UserPfxCertificate>;
  /** The number of selected records (`/$count`), asked for only when the reporter wants it. */
  readonly count: () => Promise<number | undefined>;
  readonly pageSize: number;
  /** Records worked on at once. */
  readonly inWork: number;
  readonly reporter: { readonly wantsTotal: boolean; total: number | undefined; finish(): void };
  /** Whether the record carries the secrets the work needs. */
  readonly hasSecrets: (record: UserPfxCertificate) => boolean;
  /** The error when it does not: nothing has been done then. */
  readonly noSecrets: string;
  /** Said on stderr when nothing is selected (`no certificates match; nothing …`). */
  readonly nothingDone: string;
  readonly work: (record: UserPfxCertificate) => Promise<void>;
}

export async function forEachSecretRecord(run: SecretRecordsRun): Promise<void> {
  const { records, reporter } = run;
  const counting = reporter.wantsTotal ? run.count() : Promise.resolve(undefined);
  const first = await records.next();
  if (first.done) {
    process.stderr.write(`no certificates match; ${run.nothingDone}\n`);
    return;
  }
  if (!run.hasSecrets(first.value)) throw new Error(run.noSecrets);
  reporter.total = await counting;
  try {
    await runPoolStream(new ReadAhead(resume(first.value, records), 2 * run.pageSize), run.inWork, run.work);
  } finally {
    reporter.finish();
  }
}
