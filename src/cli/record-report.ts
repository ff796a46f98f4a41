/**
 * What the commands that work through stored records one by one (`rekey`, `push`) show. `--json`: one object per
 * record on stdout as each finishes (JSON Lines), the summary on stderr. `--dry-run`: a line per record that would
 * change, on stdout. Otherwise: a progress bar on a terminal (failures printed above it, or plainly off a
 * terminal), then the summary on stdout. The summary is the counts, the retries, and each failure with its id, UPN
 * and reason. Each command says how its outcomes are counted and how a dry run's line reads.
 */
import { ProgressBar, type ProgressStream } from './progress.js';

export interface RecordResult {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly outcome: string;
  readonly reason?: string;
}

export interface RecordReporterOptions {
  readonly json: boolean;
  readonly dryRun: boolean;
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
}

export abstract class RecordReporter<R extends RecordResult> {
  private readonly counts = new Map<string, number>();
  private readonly failures: R[] = [];
  private readonly progress: ProgressBar;
  private done = 0;
  private retries = 0;
  /** JSON Lines not yet written: those of one turn of the event loop go out in one write. */
  private pending: string[] = [];
  total: number | undefined;

  constructor(protected readonly options: RecordReporterOptions) {
    this.progress = new ProgressBar(options.stderr, !options.json && !options.dryRun);
  }

  /** The counts as the summary and the bar show them, e.g. `rekeyed 4 · skipped 0 · failed 1`. */
  protected abstract countsText(): string;

  /** The line a dry run prints for this result, if any. */
  protected abstract dryRunLine(result: R): string | undefined;

  /** Whether a progress bar is drawn, the one thing the total (`/$count`, a request of its own) is asked for. */
  get wantsTotal(): boolean {
    return this.progress.active;
  }

  get failed(): number {
    return this.count('failed');
  }

  count(outcome: R['outcome']): number {
    return this.counts.get(outcome) ?? 0;
  }

  /** A request about to be sent again (a 429/503 or a dropped connection): counted, and shown on the bar. */
  retry(): void {
    this.retries += 1;
    this.progress.draw(this.done, this.total, this.barText());
  }

  result(result: R): void {
    this.done += 1;
    this.counts.set(result.outcome, this.count(result.outcome) + 1);
    if (result.outcome === 'failed') this.failures.push(result);
    if (this.options.json) {
      if (this.pending.push(`${JSON.stringify(result)}\n`) === 1) setImmediate(() => this.flush());
    } else if (this.options.dryRun) {
      const line = this.dryRunLine(result);
      if (line !== undefined) this.options.stdout.write(`${line}\n`);
    } else if (result.outcome === 'failed') {
      this.progress.above(`failed: ${label(result)}: ${result.reason}`);
    } else {
      this.progress.draw(this.done, this.total, this.barText());
    }
  }

  /** The summary: on stdout, or on stderr when stdout carries the JSON Lines. */
  finish(): void {
    this.flush();
    this.progress.draw(this.done, this.total, this.barText(), true);
    this.progress.end();
    const lines = [this.barText()];
    if (this.failures.length > 0) lines.push('failures:', ...this.failures.map((r) => `  ${label(r)}: ${r.reason}`));
    (this.options.json ? this.options.stderr : this.options.stdout).write(`${lines.join('\n')}\n`);
  }

  private barText(): string {
    return this.countsText() + (this.retries > 0 ? ` (${this.retries} retries)` : '');
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.options.stdout.write(this.pending.join(''));
    this.pending = [];
  }
}

export function label(r: RecordResult): string {
  return `${r.id} (${r.userPrincipalName})`;
}
