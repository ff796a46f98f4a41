/** One CLI command: its one-line summary, its usage line, and what it does; resolves to the exit status. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[]): Promise<number>;
}
