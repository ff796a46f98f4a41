/**
 * What `import` shows while it runs and when it ends. One file: a result line. Many files: a progress bar on
 * a terminal (plain progress lines otherwise, e.g. in CI logs) on stderr, then the summary on stdout —
 * counts, and each failure with its file, manifest row and reason. `--json`: the summary as one JSON object.
 */
import type { RetryEvent } from '../client/graph-client.js';
import type { UploadOutcome } from './import-upload.js';
import { ProgressBar, type ProgressStream } from './progress.js';

export type ResultOutcome = UploadOutcome | 'failed' | 'prepared';

export interface ImportResult {
  readonly file: string;
  readonly row?: number;
  readonly upn?: string;
  readonly thumbprint?: string;
  readonly outcome: ResultOutcome;
  readonly id?: string;
  readonly message?: string;
  readonly warnings: readonly string[];
}

export interface ReporterOptions {
  readonly total: number;
  readonly bulk: boolean;
  readonly json: boolean;
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
}

export class ImportReporter {
  private readonly results: ImportResult[] = [];
  private readonly counts: Record<ResultOutcome, number> = { imported: 0, updated: 0, skipped: 0, failed: 0, prepared: 0 };
  private readonly progress: ProgressBar;
  private retries = 0;

  constructor(private readonly options: ReporterOptions) {
    this.progress = new ProgressBar(options.stderr, options.bulk);
  }

  private get bar(): boolean {
    return this.progress.active;
  }

  get failed(): number {
    return this.counts.failed;
  }

  /** A warning about one file; goes to stderr (above the bar). */
  warn(label: string, message: string): void {
    this.above(`warning: ${label}: ${message}`);
  }

  retry(event: RetryEvent): void {
    this.retries += 1;
    const text = `retrying ${event.method} ${event.path} in ${(event.delayMs / 1000).toFixed(1)} s (${describeReason(event.reason)}; attempt ${event.attempt})`;
    if (this.bar) this.draw(false);
    else this.options.stderr.write(`${text}\n`);
  }

  result(result: ImportResult): void {
    this.results.push(result);
    this.counts[result.outcome] += 1;
    const done = this.results.length;
    const line = resultLine(result);
    if (this.bar) {
      if (result.outcome === 'failed') this.above(`failed: ${line}`);
      else this.draw(done === this.options.total);
    } else if (this.options.bulk) {
      this.options.stderr.write(`[${done}/${this.options.total}] ${result.outcome} ${line}\n`);
    } else if (result.outcome === 'failed') {
      this.options.stderr.write(`pfxstore import: ${line}\n`);
    } else if (!this.options.json && result.outcome !== 'prepared') {
      this.options.stdout.write(`${result.outcome} ${line}\n`);
    }
  }

  /** The summary; results in input order when `order` is given. */
  finish(order?: (r: ImportResult) => number): void {
    this.draw(true);
    this.progress.end();
    const results = order ? [...this.results].sort((a, b) => order(a) - order(b)) : this.results;
    const { imported, updated, skipped, failed } = this.counts;
    if (this.options.json) {
      this.options.stdout.write(`${JSON.stringify({ imported, updated, skipped, failed, retries: this.retries, results }, null, 2)}\n`);
      return;
    }
    if (!this.options.bulk) return;
    const lines = [(this.counts.prepared > 0 ? `prepared ${this.counts.prepared} · failed ${failed}`
      : `imported ${imported} · updated ${updated} · skipped ${skipped} · failed ${failed}`) +
      (this.retries > 0 ? ` (${this.retries} retries)` : '')];
    const failures = results.filter((r) => r.outcome === 'failed');
    if (failures.length > 0) lines.push('failures:', ...failures.map((r) => `  ${resultLine(r)}`));
    this.options.stdout.write(`${lines.join('\n')}\n`);
  }

  private above(text: string): void {
    this.progress.above(text);
  }

  private draw(force: boolean): void {
    const { imported, updated, skipped, failed } = this.counts;
    this.progress.draw(this.results.length, this.options.total,
      `imported ${imported} · updated ${updated} · skipped ${skipped} · failed ${failed}` + (this.retries > 0 ? ` · retries ${this.retries}` : ''), force);
  }
}

/** `row 7 /path/alice.pfx (alice@contoso.com): <id or reason>` */
export function resultLine(r: ImportResult): string {
  const where = `${r.row !== undefined ? `row ${r.row} ` : ''}${r.file}${r.upn ? ` (${r.upn})` : ''}`;
  const what = r.outcome === 'failed' ? r.message : [r.id, r.message].filter(Boolean).join(' — ');
  return what ? `${where}: ${what}` : where;
}

function describeReason(reason: string): string {
  if (reason === '429') return '429 Too Many Requests';
  if (reason === '503') return '503 Service Unavailable';
  if (reason === '504') return '504 Gateway Timeout';
  return `connection: ${reason}`;
}
