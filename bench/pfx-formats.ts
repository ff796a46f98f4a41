/**
 * What the two issue #15 import-rate benchmarks (bench/console-pfx.ts, the PFX library in Node; bench/console-import.ts,
 * the Import page in Chromium) share: the same PFX files in both formats OpenSSL 3 writes, and the CLI's
 * `import --dry-run` timed over them, the reference both compare against.
 */
import type { BenchFiles } from './import-fixtures.js';
import { makeBenchFiles } from './import-fixtures.js';
import { commonFlags, runImport } from './import-cli.js';

export const PASSWORD = 'bench Passw0rd';
export const UPN = 'bench@contoso.com';

export interface FormatFiles {
  /** "OpenSSL 3 default" or "-legacy". */
  readonly format: string;
  /** Absolute paths, in order. */
  readonly paths: readonly string[];
}

export interface BothFormats {
  readonly files: BenchFiles;
  readonly formats: readonly FormatFiles[];
}

/**
 * `count` files in OpenSSL 3's default format (AES-256-CBC, PBKDF2) and `count` in `-legacy` (3DES, RC2, the
 * PKCS#12 KDF) over `certs` certificates of one user key. Call `files.ws.cleanup()` when done.
 */
export async function makeBothFormats(count: number, certs: number): Promise<BothFormats> {
  const files = await makeBenchFiles({ count, certs, password: PASSWORD });
  try {
    const legacy = await Promise.all(files.files.map((_, i) => files.ws.pkcs12(`legacy-${i + 1}`, {
      cert: files.ws.path(`cert-${i % certs}.crt.pem`), key: files.ws.path('user.key.pem'), password: PASSWORD, legacy: true,
    })));
    return {
      files,
      formats: [
        { format: 'OpenSSL 3 default', paths: files.files.map((name) => files.ws.path(name)) },
        { format: '-legacy', paths: legacy },
      ],
    };
  } catch (err) {
    await files.ws.cleanup();
    throw err;
  }
}

/**
 * One `pfxstore import --dry-run --json` over `paths` (a real child process, start-up included, as a user runs
 * it); its wall time in ms. Throws unless it succeeded with one body per file.
 */
export async function timeDryRun(files: BenchFiles, paths: readonly string[]): Promise<number> {
  const child = await runImport([...paths, '--upn', UPN, ...commonFlags(files.publicKeyPath), '--dry-run', '--json'],
    { cwd: files.ws.dir, password: PASSWORD, logFile: files.ws.path('dry-run.log') });
  if (child.code !== 0 || child.stdout.trim().split('\n').length !== paths.length) throw new Error(`import --dry-run failed:\n${child.stderrTail}`);
  return child.ms;
}

/** Files per second of the best (shortest) of several timings of `count` files. */
export function bestRate(count: number, ms: readonly number[]): number {
  return (count * 1000) / Math.min(...ms);
}
