/**
 * Flag tables: one table per command both parses its flags (node:util parseArgs, strict) and writes its
 * `--help`, so a flag cannot be accepted without being documented, nor documented without being accepted.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** What the value looks like in the help: `N`, `DIR`, `dev|oidc`. */
  readonly value?: string;
  /** Filled in by parseArgs when the flag is absent. */
  readonly default?: string;
  /** The default in words, where it depends on something else (`sqlite:<data>/pfxstore.db`). */
  readonly defaultText?: string;
  /** The environment variable read when the flag is absent. */
  readonly env?: string;
  /** What the flag does, for the help. */
  readonly description: string;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** A titled group of flags in a command's help (`users` has one per subcommand). */
export interface FlagSection {
  readonly title: string;
  readonly flags: FlagTable;
}

/** Checks a table's shape while keeping its literal types, which parseArgs needs to type what it returns. */
export function flagTable<const T extends Record<string, FlagSpec>>(table: T): T {
  return table;
}

/** What parseFlags returns for a table: parseArgs' own type, named so that declarations can refer to it. */
export type ParsedFlags<T extends FlagTable> =
  ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: boolean }>>;

/** Strict parseArgs over a flag table; its errors (an unknown flag, a missing value) are usage errors. */
export function parseFlags<T extends FlagTable>(args: readonly string[], table: T, allowPositionals = false): ParsedFlags<T> {
  // parseArgs knows only its own keys; the help's (description, env…) stay behind.
  const options = Object.fromEntries(Object.entries(table).map(([name, spec]) =>
    [name, { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.default !== undefined ? { default: spec.default } : {}) }]));
  try {
    return parseArgs({ args: [...args], options: options as unknown as T, strict: true, allowPositionals });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message);
    throw err;
  }
}

/** The help's lines for some flags: `--name VALUE  what it does [default: …] [env: …]`, aligned. */
export function describeFlags(sections: readonly FlagSection[]): string {
  const heads = sections.flatMap((s) => Object.entries(s.flags).map(([name, spec]) => flagHead(name, spec)));
  const width = Math.min(32, Math.max(...heads.map((h) => h.length)));
  return sections.map((section) => {
    const lines = Object.entries(section.flags).map(([name, spec]) => {
      const head = flagHead(name, spec);
      const notes = [
        spec.default !== undefined || spec.defaultText !== undefined ? `[default: ${spec.defaultText ?? spec.default}]` : '',
        spec.env ? `[env: ${spec.env}]` : '',
      ].filter(Boolean).join(' ');
      const text = `${spec.description}${notes ? ` ${notes}` : ''}`;
      return head.length > width ? `  ${head}\n  ${' '.repeat(width)}  ${text}` : `  ${head.padEnd(width)}  ${text}`;
    });
    return `${section.title}:\n${lines.join('\n')}\n`;
  }).join('\n');
}

function flagHead(name: string, spec: FlagSpec): string {
  const value = spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : '';
  return `${spec.short ? `-${spec.short}, ` : ''}--${name}${value}`;
}
