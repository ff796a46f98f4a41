/**
 * `npm test` and `npm run test:fast` (after tsc): runs Node's test runner on the compiled form of each
 * `test/**\/*.test.ts` and `examples/**\/*.test.ts` that exists now. The list comes from the sources, not from
 * dist/, so a test file that was deleted or renamed cannot run from a stale dist/ copy. Arguments are passed on
 * to `node --test` (`npm test -- --test-name-pattern=…`).
 *
 *   node dist/test/run.js          every test: unit, integration (SQLite, PostgreSQL), real servers, CLI, clients
 *   node dist/test/run.js --fast   the unit tests alone: no server, no PostgreSQL, no child process
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository, from dist/test/run.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The unit tests: filter parsing and binding, SQL compilation (and its execution on in-memory SQLite), models,
 * utilities, DER and RSA key formats (CNG blobs too), and `diff`'s comparison.
 */
const FAST = ['test/odata/', 'test/model/', 'test/util/', 'test/graph/', 'test/service/', 'test/pfx/der.test.ts', 'test/pfx/rsa-private-key.test.ts',
  'test/pfx/rsa-private-blob-errors.test.ts', 'test/cli/drift.test.ts'];
/** Files under FAST's directories that are not unit tests: this one needs a PostgreSQL server. */
const NOT_FAST = ['test/odata/sql-postgres.test.ts'];

function testSources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return testSources(path);
    return entry.isFile() && entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const args = process.argv.slice(2);
const fast = args.includes('--fast');
const passOn = args.filter((a) => a !== '--fast');
// The examples' node:test files run too: what the README shows must pass.
const sources = [...testSources('test'), ...testSources('examples')]
  .filter((path) => !fast || (FAST.some((prefix) => path.startsWith(prefix)) && !NOT_FAST.includes(path)))
  .sort();
const compiled = sources.map((path) => relative(process.cwd(), join(ROOT, 'dist', path.replace(/\.ts$/, '.js'))).split(sep).join('/'));

// Two files at a time for the whole suite: several of them start servers and child processes of their own.
const concurrency = fast ? [] : ['--test-concurrency=2'];
// Every test's temporary files go under one fresh directory (os.tmpdir() reads TMPDIR), so a helper that forgets
// to remove its own is caught here, named, and fails the run, instead of piling up in the system's temp dir.
const tmp = mkdtempSync(join(tmpdir(), 'pfxstore-run-'));
const env = { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp };
const child = spawn(process.execPath, ['--test', ...concurrency, ...passOn, ...compiled], { stdio: 'inherit', env });
child.on('exit', (code, signal) => {
  const left = readdirSync(tmp);
  rmSync(tmp, { recursive: true, force: true });
  if (signal) process.kill(process.pid, signal);
  if (left.length > 0) {
    process.stderr.write(`\nThe tests left temporary files behind (now removed): ${left.join(', ')}\n`);
    process.exit(code || 1);
  }
  process.exit(code ?? 1);
});
