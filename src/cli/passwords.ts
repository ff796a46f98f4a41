/**
 * Where PFX passwords come from: an environment variable, a file, or stdin — never argv, which every local
 * user can read (ps, /proc/<pid>/cmdline) and shells keep in history. A password is held only as a string
 * in memory; nothing here prints it.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../util/usage-error.js';

export type PasswordSource =
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stdin' };

export interface PasswordFlags {
  readonly 'password-env'?: string;
  readonly 'password-file'?: string;
  readonly 'password-stdin'?: boolean;
}

/** The one source the flags name, undefined when none does; two or more is a usage error. */
export function passwordSourceFromFlags(flags: PasswordFlags): PasswordSource | undefined {
  const sources: PasswordSource[] = [];
  if (flags['password-env'] !== undefined) sources.push({ kind: 'env', name: flags['password-env'] });
  if (flags['password-file'] !== undefined) sources.push({ kind: 'file', path: flags['password-file'] });
  if (flags['password-stdin']) sources.push({ kind: 'stdin' });
  if (sources.length > 1) throw new UsageError('give only one of --password-env, --password-file and --password-stdin.');
  return sources[0];
}

/** Reads passwords, each source once (stdin can only be read once; a manifest may name one file many times). */
export class PasswordReader {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  read(source: PasswordSource): Promise<string> {
    const key = source.kind === 'env' ? `env:${source.name}` : source.kind === 'file' ? `file:${source.path}` : 'stdin';
    let value = this.cache.get(key);
    if (!value) {
      value = this.load(source);
      this.cache.set(key, value);
    }
    return value;
  }

  private async load(source: PasswordSource): Promise<string> {
    switch (source.kind) {
      case 'env': {
        const value = this.env[source.name];
        if (value === undefined) throw new UsageError(`the environment variable ${source.name} (--password-env) is not set.`);
        return value;
      }
      case 'file':
        try {
          return stripNewline(await readFile(source.path, 'utf8'));
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new Error(`cannot read the password file ${source.path}: ${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message}`, { cause: err });
        }
      case 'stdin':
        return stripNewline(await readStdin());
    }
  }
}

/** `echo secret > file` and `printf 'secret\n' |` add one line ending that is not part of the password. */
function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return promptHidden('PFX password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** On a terminal: read one line without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
