/**
 * Asking before a destructive step: a `[y/N]` question on a terminal. Off a terminal nobody can answer, so the
 * caller refuses unless told `--yes`; a script must say what it means rather than hang or guess.
 */
import { createInterface } from 'node:readline';

export interface PromptStreams {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
}

/** Whether a person can answer: stdin is a terminal. */
export function canAsk(): boolean {
  return process.stdin.isTTY === true;
}

/** Writes `question [y/N] ` and reads one line: true only for y or yes (any case); no answer (EOF) is no. */
export function confirm(question: string, streams: PromptStreams = { input: process.stdin, output: process.stderr }): Promise<boolean> {
  const rl = createInterface({ input: streams.input, output: streams.output, terminal: false });
  streams.output.write(`${question} [y/N] `);
  return new Promise((resolve) => {
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(/^\s*y(es)?\s*$/i.test(line));
    });
    rl.once('close', () => {
      if (!answered) {
        streams.output.write('\n');
        resolve(false);
      }
    });
  });
}
