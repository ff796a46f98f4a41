import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

/** dist/src/main.js, from dist/test/helpers. */
export const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'main.js');

export interface ChildServer {
  readonly process: ChildProcess;
  readonly url: string;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /** Everything the process wrote to stderr so far (its log lines). */
  stderr(): string;
  /**
   * Resolves once the process has written a match of `pattern` to `stream` (at any time since it started, so
   * a line written before the call counts); rejects when it exits first or after `timeoutMs`.
   */
  waitForOutput(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `pfxstore serve` as its own process, resolving once it prints its listening line. */
export function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--log-level', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stderr!.on('data', (chunk) => { output.stderr += chunk; });
  child.stdout!.on('data', (chunk) => { output.stdout += chunk; });

  const waitForOutput = (stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const source = stream === 'stdout' ? child.stdout! : child.stderr!;
      const check = () => {
        const match = pattern.exec(output[stream]);
        if (!match) return;
        done();
        resolve(match);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} on the server's ${stream} within ${timeoutMs} ms: ${output[stream].slice(-500)}`));
      }, timeoutMs);
      // 'close', not 'exit': by then the process's output has been read to its end.
      const onClose = (code: number | null) => {
        check();
        done();
        reject(new Error(`serve exited (${code}) before writing ${pattern} to ${stream}: ${output.stderr}`));
      };
      const done = () => {
        clearTimeout(timer);
        source.off('data', onData);
        child.off('close', onClose);
      };
      // Runs after the accumulating listener above, which was added first.
      const onData = () => check();
      source.on('data', onData);
      child.once('close', onClose);
      check();
    });

  return waitForOutput('stdout', /pfxstore listening on (\S+)/, 30_000).then((match) => ({
    process: child,
    url: match[1]!,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    waitForOutput,
    exited,
  }), (err: Error) => {
    child.kill('SIGKILL'); // a server that never said it listens (timeout) must not outlive the test
    throw new Error(`serve did not start: ${err.message}`);
  });
}
