/** Argument parsing shared by the client commands: node:util parseArgs, its errors turned into usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { normaliseThumbprint } from '../model/thumbprint.js';
import { UsageError } from '../util/usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict parseArgs; `--help` is added to every command and reported as `help: true`. */
export function parseCommandArgs<O extends Options>(args: readonly string[], options: O, allowPositionals = false) {
  const secretFlag = args.find((a) => /^--(password|pass|pfx-password)(=|$)/.test(a));
  if (secretFlag !== undefined) {
    // Anything in argv is visible to every local user (ps, /proc/*/cmdline) and ends up in shell history.
    throw new UsageError('passwords are never taken on the command line; use --password-env VAR, --password-file F or --password-stdin.');
  }
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } } as O & { help: { type: 'boolean'; short: 'h' } },
      strict: true,
      allowPositionals,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message);
    throw err;
  }
}

/** A whole number within [min, max], or a usage error naming the flag. */
export function integerFlag(text: string | undefined, flag: string, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not '${text}'.`);
  }
  return n;
}

/** `--thumbprint` as Windows shows it (spaces, colons, any case), as the API stores it, or a usage error. */
export function thumbprintFlag(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const thumbprint = normaliseThumbprint(text);
  if (!thumbprint) throw new UsageError(`--thumbprint must be the certificate's SHA-1 as 40 hex digits (spaces and colons allowed), not '${text}'.`);
  return thumbprint;
}

/** Prints the usage line when --help was given; true if it did (the command then exits 0). */
export function printedHelp(values: { help?: boolean }, usage: string, summary: string): boolean {
  if (!values.help) return false;
  process.stdout.write(`${summary}\n\nUsage: ${usage}\n`);
  return true;
}
