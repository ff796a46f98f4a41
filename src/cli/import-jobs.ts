/**
 * What `import` is asked to do, one job per PFX file: from the positional files, or from a manifest CSV with
 * the columns `path,upn,purpose,password_file` (CONTRACT §7). A manifest row that cannot be imported as written
 * becomes a job carrying its `problem`, so the run goes on and the summary names the row.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { intendedPurposeEnum } from '../model/certificate.js';
import type { PasswordSource } from './passwords.js';
import { UsageError } from '../util/usage-error.js';

export interface ImportJob {
  readonly file: string;
  /** Line of the manifest the job comes from. */
  readonly row?: number;
  readonly upn: string;
  readonly purpose: string;
  readonly password: PasswordSource | undefined;
  readonly problem?: string;
}

export interface JobDefaults {
  readonly upn?: string;
  readonly purpose: string;
  readonly password?: PasswordSource;
}

const MANIFEST_COLUMNS = ['path', 'upn', 'purpose', 'password_file'];
export const PURPOSES = intendedPurposeEnum.members.map((m) => m.name);

/** `SmimeEncryption`, `VPN`, `vpn` → the camelCase name (enums are case-insensitive, CONTRACT §4.1). */
export function purposeName(text: string): string | undefined {
  return PURPOSES.find((p) => p.toLowerCase() === text.trim().toLowerCase());
}

/** The positional files; import.ts has checked that --upn and a password source were given. */
export function jobsFromFiles(files: readonly string[], defaults: Required<JobDefaults>): ImportJob[] {
  return files.map((file) => ({ file, upn: defaults.upn, purpose: defaults.purpose, password: defaults.password }));
}

/** Reads the manifest; paths in it are relative to the manifest's directory. */
export async function jobsFromManifest(manifestPath: string, defaults: JobDefaults): Promise<ImportJob[]> {
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (err) {
    throw new UsageError(`--manifest ${manifestPath}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`);
  }
  const { parse } = await import('csv-parse/sync'); // only --manifest needs it: ~0.1 s of start-up
  let header: string[] = [];
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: (names: string[]) => (header = names.map((h) => h.trim().toLowerCase())),
      bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: true,
    });
  } catch (err) {
    throw new UsageError(`--manifest ${manifestPath} is not valid CSV: ${(err as Error).message}`);
  }
  const unknown = header.filter((h) => !MANIFEST_COLUMNS.includes(h));
  if (!header.includes('path') || unknown.length > 0) {
    throw new UsageError(`--manifest ${manifestPath}: the header must name the columns ${MANIFEST_COLUMNS.join(',')} ` +
      `(path required${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}).`);
  }
  const base = dirname(resolve(manifestPath));
  return records.map(({ record, info }) => jobFromRow(record, info.lines, base, defaults));
}

/**
 * A path from a manifest row, relative to the manifest. Manifests are often written on Windows (`pfx\user01.pfx`):
 * a backslash is read as a separator on every OS, so the same CSV works on Linux and macOS, where it would
 * otherwise be one odd file name. Node on Windows takes `/` too, so `C:\certs\a.pfx` stays absolute there.
 */
function rowPath(base: string, text: string): string {
  return resolve(base, text.replace(/\\/g, '/'));
}

function jobFromRow(record: Record<string, string>, row: number, base: string, defaults: JobDefaults): ImportJob {
  const file = record.path ? rowPath(base, record.path) : '';
  const upn = record.upn || defaults.upn || '';
  const purposeText = record.purpose || defaults.purpose;
  const purpose = purposeName(purposeText);
  const password: PasswordSource | undefined = record.password_file
    ? { kind: 'file', path: rowPath(base, record.password_file) }
    : defaults.password;
  const problem = !file ? 'the row has no path'
    : !upn ? 'the row has no upn and no --upn was given'
    : !purpose ? `purpose '${purposeText}' is not one of ${PURPOSES.join(', ')}`
    : !password ? 'the row has no password_file and no --password-env/--password-file/--password-stdin was given'
    : undefined;
  return { file, row, upn, purpose: purpose ?? purposeText, password, problem };
}
