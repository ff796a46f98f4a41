/**
 * Running the real CLI (`node dist/src/main.js import …`) as a child process, timed from spawn to exit,
 * so Node's start-up and module loading count against it (amortised over the files of one run).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DIST } from './lib.js';

export const MAIN = join(DIST, 'src', 'main.js');
/** The CLI reads the PFX password from this variable (`--password-env`); never from argv. */
export const PASSWORD_VAR = 'PFXSTORE_BENCH_PFX_PASSWORD';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  /** The last few KB of stderr (per-file progress lines are discarded), for error messages. */
  readonly stderrTail: string;
  readonly ms: number;
}

export interface CliOptions {
  readonly cwd: string;
  readonly password: string;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
}

export function runImport(args: readonly string[], options: CliOptions): Promise<CliRun> {
  // Only what this run sets reaches the CLI: no PFXSTORE_URL/TOKEN/CA from the caller's shell.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PFXSTORE_')));
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), MAIN, 'import', ...args], {
      cwd: options.cwd, env: { ...env, [PASSWORD_VAR]: options.password }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let tail = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => { tail = (tail + c.toString()).slice(-4000); });
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout: Buffer.concat(out).toString(), stderrTail: tail, ms: performance.now() - started });
    });
  });
}

/** The flags every benchmark import shares: the connector key, provider, key name, purpose, password source. */
export function commonFlags(publicKeyPath: string): string[] {
  return [
    '--public-key', publicKeyPath, '--provider-name', 'Microsoft Software Key Storage Provider', '--key-name', 'PFXEncryptionKey',
    '--purpose', 'smimeEncryption', '--padding', 'oaepSha512', '--password-env', PASSWORD_VAR,
  ];
}
