/**
 * What `verify --all` shows. While it runs: a progress bar on stderr when that is a terminal, nothing otherwise
 * (or, with `--json`, each record's result as one line of JSON on stdout as it is checked). At the end a summary —
 * counts, then each failure with its record id, UPN, thumbprint and reason — on stdout, or on stderr with `--json`
 * so that stdout holds nothing but the JSON lines.
 */
import { ProgressBar, type ProgressStream } from './progress.js';
import { type Check, failureReason } from './verify-record.js';

export interface RecordResult {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly thumbprint: string;
  readonly deliverable: boolean;
  readonly checks: readonly Check[];
}

export interface VerifyReportOptions {
  readonly json: boolean;
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
}

export class VerifyAllReport {
  private readonly progress: ProgressBar;
  private readonly failures: RecordResult[] = [];
  private checked = 0;
  private warned = 0;
  /** The number of records to check, when the server said (`/$count`); the bar shows counts alone without it. */
  total: number | undefined;

  constructor(private readonly options: VerifyReportOptions) {
    this.progress = new ProgressBar(options.stderr);
  }

  /** Whether a progress bar is drawn, the one thing the total (`/$count`, a request of its own) is asked for. */
  get wantsTotal(): boolean {
    return this.progress.active;
  }

  get failed(): number {
    return this.failures.length;
  }

  result(result: RecordResult): void {
    this.checked += 1;
    if (!result.deliverable) this.failures.push(result);
    if (result.checks.some((c) => !c.ok && c.warning)) this.warned += 1;
    if (this.options.json) this.options.stdout.write(`${JSON.stringify(result)}\n`);
    this.progress.draw(this.checked, this.total, this.counts());
  }

  /** Ends the bar's line (also when the run stops early, so an error message starts on a line of its own). */
  end(): void {
    this.progress.draw(this.checked, this.total, this.counts(), true);
    this.progress.end();
  }

  /** The summary; call after `end`. */
  finish(): void {
    const lines = [this.counts()];
    if (this.checked === 0) lines.push('no certificates match');
    if (this.failures.length > 0) {
      lines.push('failures:', ...this.failures.map((r) => `  ${r.id} ${r.userPrincipalName} ${r.thumbprint}: ${failureReason(r.checks)}`));
    } else if (this.checked > 0) {
      lines.push('the connector will be able to deliver every record checked');
    }
    (this.options.json ? this.options.stderr : this.options.stdout).write(`${lines.join('\n')}\n`);
  }

  private counts(): string {
    return `checked ${this.checked} · deliverable ${this.checked - this.failures.length} · failed ${this.failures.length} · warnings ${this.warned}`;
  }
}
