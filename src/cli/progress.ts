/**
 * A progress line on stderr for the commands that work through many records (`import`, `verify --all`, `rekey`):
 * a bar redrawn in place on a terminal, at most every 100 ms; off a terminal (CI logs, pipes) nothing is drawn
 * and the caller prints plain lines instead. Lines printed with `above` stay above the bar.
 */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

export class ProgressBar {
  /** Whether a bar is drawn: only on a terminal, and only when the caller wants one. */
  readonly active: boolean;
  private lastDraw = 0;
  private lastText = '';

  constructor(private readonly stream: ProgressStream, wanted = true) {
    this.active = wanted && stream.isTTY === true;
  }

  /**
   * Redraws the bar: `done` of `total` (a bar without a total shows the counts alone), then `counts`. Skipped when
   * the last draw was under 100 ms ago, unless `force`.
   */
  draw(done: number, total: number | undefined, counts: string, force = false): void {
    if (!this.active) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const text = `${total === undefined ? done : `${done}/${total}`}  ${counts}`;
    // The bar takes what the terminal width leaves, so the counts are never cut off.
    const width = Math.min(BAR_WIDTH, (this.stream.columns || 80) - text.length - 4);
    const filled = total === undefined || total === 0 ? width : Math.round((Math.min(done, total) / total) * width);
    const bar = width >= 5 && total !== undefined ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    this.lastText = `${bar}${text}`;
    this.stream.write(`\r\x1b[K${this.lastText}`);
  }

  /** A line printed above the bar (or plainly when there is none). */
  above(text: string): void {
    if (!this.active) {
      this.stream.write(`${text}\n`);
      return;
    }
    this.stream.write(`\r\x1b[K${text}\n${this.lastText}`);
  }

  /** Ends the bar's line, so what follows starts on a fresh one. */
  end(): void {
    if (this.active && this.lastText !== '') this.stream.write('\n');
  }
}
