import { escapeLabel } from './exposition.js';

/** What `serve --faults` did to a request: answered an error, delayed it, answered 503 after a write, cut it. */
export type FaultKind = 'status' | 'latency' | 'after_commit' | 'drop';

const NAME = 'pfxstore_faults_injected_total';

/**
 * `pfxstore_faults_injected_total{kind,status}`: the faults injected on purpose, so a test run can check how
 * many its client met. `status` is the status answered because of the fault (429, 503…); latency and drop
 * change no status and carry no such label.
 */
export class FaultCounts {
  /** By label set, in the text exposition's form (`kind="status",status="429"`). */
  private readonly counts = new Map<string, number>();

  /** A series at 0 from the start, so `rate()` and `increase()` see its first fault. */
  declare(kind: FaultKind, status?: number): void {
    const labels = labelsOf(kind, status);
    if (!this.counts.has(labels)) this.counts.set(labels, 0);
  }

  count(kind: FaultKind, status?: number): void {
    const labels = labelsOf(kind, status);
    this.counts.set(labels, (this.counts.get(labels) ?? 0) + 1);
  }

  /** Empty when the server injects no faults: the series family then does not exist. */
  text(): string {
    if (this.counts.size === 0) return '';
    const lines = [`# HELP ${NAME} Faults injected on purpose by serve --faults.`, `# TYPE ${NAME} counter`];
    for (const [labels, n] of this.counts) lines.push(`${NAME}{${labels}} ${n}`);
    return `${lines.join('\n')}\n`;
  }
}

function labelsOf(kind: FaultKind, status: number | undefined): string {
  return `kind="${escapeLabel(kind)}"${status === undefined ? '' : `,status="${status}"`}`;
}
