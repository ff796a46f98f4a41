/**
 * Running the real CLI (`node dist/src/main.js import …`) as a child process, timed from spawn to exit,
 * so Node's start-up and module loading count against it (amortised over the files of one run).
 *
 * stdout (the dry-run bodies or the JSON summary) is collected for checking; stderr (a progress line per
 * file) goes to a log file, as in `pfxstore import … 2> import.log`, and is read back only on failure.
 * The child also reports its own CPU time (all threads) on fd 3, a cross-check that a busy machine
 * disturbs less than wall time.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DIST } from './lib.js';

export const MAIN = join(DIST, 'src', 'main.js');
/** The CLI reads the PFX password from this variable (`--password-env`); never from argv. */
export const PASSWORD_VAR = 'PFXSTORE_BENCH_PFX_PASSWORD';

/** Loaded into a child with `--import`: writes its CPU time (µs, all threads) to fd 3 as it exits. */
export const CPU_PROBE = 'data:text/javascript,import{writeSync}from"node:fs";process.on("exit",()=>{const u=process.resourceUsage();' +
  'try{writeSync(3,String(u.userCPUTime+u.systemCPUTime))}catch{}})';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  /** The end of the CLI's stderr, for error messages. */
  readonly stderrTail: string;
  readonly ms: number;
  /** User + system CPU time of the child, all threads. */
  readonly cpuMs: number;
}

export interface CliOptions {
  readonly cwd: string;
  /** Put in PASSWORD_VAR, for `--password-env`. */
  readonly password?: string;
  /** Where stderr goes. */
  readonly logFile: string;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
}

export function runImport(args: readonly string[], options: CliOptions): Promise<CliRun> {
  return runCommand('import', args, options);
}

/** Any pfxstore command, timed the same way (`rekey` in bench/rekey.ts). */
export function runCommand(command: string, args: readonly string[], options: CliOptions): Promise<CliRun> {
  // Only what this run sets reaches the CLI: no PFXSTORE_URL/TOKEN/CA from the caller's shell.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PFXSTORE_')));
  const log = openSync(options.logFile, 'w');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', CPU_PROBE, ...(options.nodeFlags ?? []), MAIN, command, ...args], {
      cwd: options.cwd, env: options.password === undefined ? env : { ...env, [PASSWORD_VAR]: options.password }, stdio: ['ignore', 'pipe', log, 'pipe'],
    });
    const out: Buffer[] = [];
    let cpu = '';
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stdio[3]!.on('data', (c: Buffer) => { cpu += c; });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      closeSync(log);
      const stderrTail = readFileSync(options.logFile, 'utf8').slice(-4000);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderrTail, ms, cpuMs: Number(cpu) / 1000 });
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
