/** Argument parsing shared by the client commands: a flag table (util/flags.ts), strict, errors as usage errors. */
import { normaliseThumbprint } from '../model/thumbprint.js';
import { type FlagTable, type ParsedFlags, parseFlags } from '../util/flags.js';
import { UsageError } from '../util/usage-error.js';

/** Strict parsing of a command's flag table; `--help` never gets here (main.ts answers it). */
export function parseCommandArgs<T extends FlagTable>(args: readonly string[], flags: T, allowPositionals = false): ParsedFlags<T> {
  const secretFlag = args.find((a) => /^--(password|pass|pfx-password)(=|$)/.test(a));
  if (secretFlag !== undefined) {
    // Anything in argv is visible to every local user (ps, /proc/*/cmdline) and ends up in shell history.
    throw new UsageError('passwords are never taken on the command line; use --password-env VAR, --password-file F or --password-stdin.');
  }
  return parseFlags(args, flags, allowPositionals);
}

/** A whole number within [min, max], or a usage error naming the flag. */
/**
 * `--page-size`, the same on every command that pages (`things`: records, users, events). Not in the usage lines:
 * it shows, and lets the tests exercise, paging without 1000+ entities.
 */
export function pageSizeFlag(things: string) {
  return {
    type: 'string', value: 'N', defaultText: "the server's page size",
    description: `${things} per request ($top, 1-1000); every page is fetched`,
  } as const;
}

/** The `--page-size` given, checked; undefined leaves the page size to the server. */
export function pageSizeOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : integerFlag(text, '--page-size', 1, 1000, 1000);
}

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
