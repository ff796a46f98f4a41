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
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `pfxstore serve` as its own process, resolving once it prints its listening line. */
export function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--log-level', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk) => { err += chunk; });
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /pfxstore listening on (\S+)/.exec(out);
      if (match) resolve({ process: child, url: match[1], stdout: () => out, exited });
    });
    void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before listening: ${err}`)));
  });
}
