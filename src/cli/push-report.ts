/**
 * What `push` shows (record-report.ts): counts of pushed, skipped and failed records; a dry run prints a line per
 * record that would be created on the target. Each result names the record on both sides: its id here and, once
 * the target has it, its id there.
 */
import type { UserPfxCertificate } from '../client/certificates.js';
import { label, RecordReporter } from './record-report.js';
import { type KeyRef, keyText } from './rekey-report.js';

export type PushOutcome = 'pushed' | 'would-push' | 'skipped' | 'failed';

export interface PushResult {
  /** The record's id on the source. */
  readonly id: string;
  readonly userPrincipalName: string;
  readonly thumbprint: string;
  readonly outcome: PushOutcome;
  readonly reason?: string;
  /** Its id on the target: what was created there, or what was found there already. */
  readonly targetId?: string;
  /** The key its password is encrypted for on the target. */
  readonly to?: KeyRef;
}

export function pushResultOf(record: UserPfxCertificate, outcome: PushOutcome,
  detail: Partial<Pick<PushResult, 'reason' | 'targetId' | 'to'>> = {}): PushResult {
  const { id, userPrincipalName, thumbprint } = record;
  const { reason, targetId, to } = detail;
  return { id, userPrincipalName, thumbprint, outcome, ...(reason ? { reason } : {}), ...(targetId ? { targetId } : {}), ...(to ? { to } : {}) };
}

export class PushReporter extends RecordReporter<PushResult> {
  protected countsText(): string {
    const rest = `skipped ${this.count('skipped')} · failed ${this.count('failed')}`;
    return this.options.dryRun ? `would push ${this.count('would-push')} · ${rest}` : `pushed ${this.count('pushed')} · ${rest}`;
  }

  protected dryRunLine(result: PushResult): string | undefined {
    return result.outcome === 'would-push' ? `would push ${label(result)}: its password for ${keyText(result.to!)}` : undefined;
  }
}
