/**
 * What `rekey` shows. `--json`: one object per record on stdout as each finishes (JSON Lines), the summary on
 * stderr. `--dry-run`: a line per record that would change, on stdout. Otherwise: a progress bar on a terminal
 * (failures printed above it, or plainly off a terminal), then the summary on stdout. The summary is the counts
 * and each failure with its id, UPN and reason.
 */
import type { UserPfxCertificate } from '../client/certificates.js';
import { ProgressBar, type ProgressStream } from './progress.js';

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

export function resultOf(record: UserPfxCertificate, outcome: RekeyOutcome, detail: Partial<Pick<RekeyResult, 'reason' | 'to'>> = {}): RekeyResult {
  const { id, userPrincipalName, thumbprint } = record;
  const { reason, to } = detail;
  return { id, userPrincipalName, thumbprint, outcome, ...(reason ? { reason } : {}), ...(to ? { from: keyRefOf(record), to } : {}) };
}

export interface RekeyReporterOptions {
  readonly json: boolean;
  readonly dryRun: boolean;
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
}

export class RekeyReporter {
  private readonly counts: Record<RekeyOutcome, number> = { rekeyed: 0, 'would-rekey': 0, skipped: 0, failed: 0 };
  private readonly failures: RekeyResult[] = [];
  private readonly progress: ProgressBar;
  private done = 0;
  private retries = 0;
  /** JSON Lines not yet written: those of one turn of the event loop go out in one write. */
  private pending: string[] = [];
  total: number | undefined;

  constructor(private readonly options: RekeyReporterOptions) {
    this.progress = new ProgressBar(options.stderr, !options.json && !options.dryRun);
  }

  /** Whether a progress bar is drawn, the one thing the total (`/$count`, a request of its own) is asked for. */
  get wantsTotal(): boolean {
    return this.progress.active;
  }

  get failed(): number {
    return this.counts.failed;
  }

  retry(): void {
    this.retries += 1;
  }

  result(result: RekeyResult): void {
    this.done += 1;
    this.counts[result.outcome] += 1;
    if (result.outcome === 'failed') this.failures.push(result);
    if (this.options.json) {
      if (this.pending.push(`${JSON.stringify(result)}\n`) === 1) setImmediate(() => this.flush());
    } else if (this.options.dryRun) {
      if (result.outcome === 'would-rekey') this.options.stdout.write(`would rekey ${label(result)}: ${keyText(result.from!)} → ${keyText(result.to!)}\n`);
    } else if (result.outcome === 'failed') {
      this.progress.above(`failed: ${label(result)}: ${result.reason}`);
    } else {
      this.progress.draw(this.done, this.total, this.countsText());
    }
  }

  /** The summary: on stdout, or on stderr when stdout carries the JSON Lines. */
  finish(): void {
    this.flush();
    this.progress.draw(this.done, this.total, this.countsText(), true);
    this.progress.end();
    const lines = [this.countsText() + (this.retries > 0 ? ` (${this.retries} retries)` : '')];
    if (this.failures.length > 0) lines.push('failures:', ...this.failures.map((r) => `  ${label(r)}: ${r.reason}`));
    (this.options.json ? this.options.stderr : this.options.stdout).write(`${lines.join('\n')}\n`);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.options.stdout.write(this.pending.join(''));
    this.pending = [];
  }

  private countsText(): string {
    const { rekeyed, skipped, failed } = this.counts;
    return this.options.dryRun ? `would rekey ${this.counts['would-rekey']} · skipped ${skipped} · failed ${failed}`
      : `rekeyed ${rekeyed} · skipped ${skipped} · failed ${failed}`;
  }
}

function label(r: RekeyResult): string {
  return `${r.id} (${r.userPrincipalName})`;
}

function keyText(k: KeyRef): string {
  return `${k.keyName} (${k.providerName}, ${k.paddingScheme})`;
}
