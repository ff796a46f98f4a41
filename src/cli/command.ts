import type { FlagSection } from '../util/flags.js';

/** One CLI command: its one-line summary, its usage, every flag it takes, and what it does (resolving to the exit status). */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  /** Every flag, with what it does, its default and its environment variable: `--help` prints them all. */
  readonly flags: readonly FlagSection[];
  /** Lines the help ends with: what no flag says (a variable that is no flag's, what the output is). */
  readonly notes?: readonly string[];
  run(args: readonly string[]): Promise<number>;
}
