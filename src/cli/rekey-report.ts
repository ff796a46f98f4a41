/**
 * What `rekey` shows (record-report.ts): counts of rekeyed, skipped and failed records; a dry run prints a line per
 * record that would change, from its key to the new one.
 */
import type { UserPfxCertificate } from '../client/certificates.js';
import { label, RecordReporter } from './record-report.js';

export type RekeyOutcome = 'rekeyed' | 'would-rekey' | 'skipped' | 'failed';

/** Where a record's password is encrypted: its connector key and padding. */
export interface KeyRef {
  readonly providerName: string;
  readonly keyName: string;
  readonly paddingScheme: string;
}

export interface RekeyResult {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly thumbprint: string;
  readonly outcome: RekeyOutcome;
  readonly reason?: string;
  readonly from?: KeyRef;
  readonly to?: KeyRef;
}

export function keyRefOf(record: KeyRef): KeyRef {
  return { providerName: record.providerName, keyName: record.keyName, paddingScheme: record.paddingScheme };
}

export function keyText(k: KeyRef): string {
  return `${k.keyName} (${k.providerName}, ${k.paddingScheme})`;
}

export function resultOf(record: UserPfxCertificate, outcome: RekeyOutcome, detail: Partial<Pick<RekeyResult, 'reason' | 'to'>> = {}): RekeyResult {
  const { id, userPrincipalName, thumbprint } = record;
  const { reason, to } = detail;
  return { id, userPrincipalName, thumbprint, outcome, ...(reason ? { reason } : {}), ...(to ? { from: keyRefOf(record), to } : {}) };
}

export class RekeyReporter extends RecordReporter<RekeyResult> {
  protected countsText(): string {
    const skipped = `skipped ${this.count('skipped')} · failed ${this.count('failed')}`;
    return this.options.dryRun ? `would rekey ${this.count('would-rekey')} · ${skipped}` : `rekeyed ${this.count('rekeyed')} · ${skipped}`;
  }

  protected dryRunLine(result: RekeyResult): string | undefined {
    return result.outcome === 'would-rekey' ? `would rekey ${label(result)}: ${keyText(result.from!)} → ${keyText(result.to!)}` : undefined;
  }
}
