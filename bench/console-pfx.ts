/**
 * Issue #15's import-rate check for the browser PFX library (console/src/pfx), run in Node (same WebCrypto API
 * and V8 as Chromium; the console's own Chromium bench is the console's): open and encrypt N OpenSSL-made PFX
 * files with openPfx + buildCertificateBody in this process, against `pfxstore import --dry-run --json` over
 * the same files (a real child process, start-up included, as a user runs it). Target: library files/s ≥ 0.5 ×
 * CLI files/s. Both for OpenSSL 3 default files and for `-legacy` ones (3DES/RC2, the PKCS#12 KDF in JavaScript).
 * The best of --runs counts, as in bench/import.ts.
 *
 *   npm run build && node dist/bench/console-pfx.js [--files 20] [--runs 3]
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { buildCertificateBody, openPfx, readPublicKey } from '../console/src/pfx/index.js';
import { report } from './lib.js';
import { bestRate, makeBothFormats, PASSWORD, timeDryRun, UPN } from './pfx-formats.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '20' }, runs: { type: 'string', default: '3' } } });
const FILES = Number(values.files);
const RUNS = Number(values.runs);
if (!Number.isInteger(FILES) || FILES < 1 || !Number.isInteger(RUNS) || RUNS < 1) throw new Error('--files and --runs take integers ≥ 1');
const CERTS = 4;

const { files: f, formats } = await makeBothFormats(FILES, CERTS);
let ok = true;
try {
  const publicKey = await readPublicKey(new Uint8Array(await readFile(f.publicKeyPath)));
  for (const { format, paths } of formats) {
    const bytes = await Promise.all(paths.map(async (name) => new Uint8Array(await readFile(name))));
    const library = async (): Promise<number> => {
      const start = performance.now();
      for (const pfxBytes of bytes) {
        const opened = await openPfx(pfxBytes, PASSWORD);
        await buildCertificateBody({
          pfxBytes, password: PASSWORD, opened, publicKey, upn: UPN, purpose: 'smimeEncryption', padding: 'oaepSha512',
          providerName: 'Microsoft Software Key Storage Provider', keyName: 'PFXEncryptionKey',
        });
      }
      return performance.now() - start;
    };
    await library(); // warm-up: JIT, WebCrypto's first imports
    const libraryMs: number[] = [];
    const cliMs: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      libraryMs.push(await library());
      cliMs.push(await timeDryRun(f, paths));
    }
    const libraryRate = bestRate(FILES, libraryMs);
    const cliRate = bestRate(FILES, cliMs);
    console.log(`${format}, ${FILES} files, best of ${RUNS}: browser library ${libraryRate.toFixed(0)} files/s ` +
      `(${(Math.min(...libraryMs) / FILES).toFixed(1)} ms/file), pfxstore import --dry-run ${cliRate.toFixed(0)} files/s ` +
      `(${Math.min(...cliMs).toFixed(0)} ms in all, start-up included)`);
    ok = report(`browser library / import --dry-run, files/s (${format})`, libraryRate / cliRate, '≥ 0.50', libraryRate / cliRate >= 0.5) && ok;
  }
} finally {
  await f.ws.cleanup();
}
process.exitCode = ok ? 0 : 1;
