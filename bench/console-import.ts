/**
 * Issue #15's import-rate target in Chromium: the console's Import page importing 20 PFX files ≥ 0.5 × the CLI's
 * `import --dry-run` rate on the same files. Both for OpenSSL 3 default files and for `-legacy` ones.
 *
 *   npm run build && node dist/bench/console-import.js [--files 20] [--runs 3]
 *
 * The CLI: `pfxstore import --dry-run --json` over the files, a real child process, start-up included. The page:
 * signed in as bench/console.ts is, against a fresh `--db memory` server and browser each round, the files chosen
 * in "PFX files", the form filled, "Import" clicked; timed in the page from the form's submit to the last result
 * line (so Playwright's own round trips do not count; the PFX library's lazy load and a cold JIT do, as for a
 * user's first import). Every line must say "Imported". The best of --runs counts on each side.
 *
 * Not like for like: the page also POSTs each certificate to the server (on the same two cores), which the
 * dry run does not. The page has no dry-run switch, so the POSTs' share is taken out with the Resource Timing API
 * instead: the page imports one file at a time, so its time less its POSTs' durations is its opening +
 * encryption alone, printed as a second figure.
 */
import { parseArgs } from 'node:util';
import { signInWithToken, startConsole } from '../test/console/browser.js';
import { report } from './lib.js';
import { bestRate, makeBothFormats, PASSWORD, timeDryRun, UPN } from './pfx-formats.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '20' }, runs: { type: 'string', default: '3' } } });
const FILES = Number(values.files);
const RUNS = Number(values.runs);
if (!Number.isInteger(FILES) || FILES < 1 || !Number.isInteger(RUNS) || RUNS < 1) throw new Error('--files and --runs take integers ≥ 1');

/** One round in the page: all of it, and the part that was not waiting for the POSTs. */
interface PageRound {
  readonly ms: number;
  readonly postMs: number;
  /** When the first result line appeared (the library's lazy load and a cold JIT are in it). */
  readonly firstMs: number;
}

/** What the page reports of one import (see watchImport). */
interface Watched {
  readonly ms: number;
  readonly firstMs: number;
  readonly postMs: number;
  readonly posts: number;
  readonly lines: string[];
}

/**
 * Runs in the page before the click: resolves when the form is done (its button enabled again) with the time from
 * submit to the last result line, the result lines, and the durations of the certificate POSTs sent meanwhile.
 */
function watchImport(count: number): Promise<Watched> {
  const form = document.querySelector('form.import')!;
  const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  const list = document.querySelector('ul.results')!;
  let started = -1;
  let first = -1;
  let last = -1;
  // On the document, capturing: before the form's own handler disables the button and clears the list.
  document.addEventListener('submit', () => { started = performance.now(); }, { capture: true, once: true });
  return new Promise((resolve) => {
    new MutationObserver((_, observer) => {
      if (started < 0) return;
      if (list.children.length > 0 && first < 0) first = performance.now();
      if (list.children.length === count && last < 0) last = performance.now();
      if (submit.disabled) return;
      observer.disconnect();
      const posts = performance.getEntriesByType('resource').filter((e) =>
        (e as PerformanceResourceTiming).initiatorType === 'fetch' && e.name.includes('userPfxCertificates') && e.startTime >= started);
      resolve({
        ms: (last < 0 ? performance.now() : last) - started,
        firstMs: first - started,
        postMs: posts.reduce((sum, e) => sum + e.duration, 0),
        posts: posts.length,
        lines: Array.from(list.children, (li) => li.textContent ?? ''),
      });
    }).observe(form.parentElement!, { subtree: true, childList: true, attributes: true, attributeFilter: ['disabled'] });
  });
}

/** One import of `paths` on the console's Import page, against a fresh memory server and browser. */
async function pageRound(paths: readonly string[], publicKeyPath: string): Promise<PageRound> {
  const session = await startConsole();
  try {
    await signInWithToken(session);
    await session.open('import');
    const { page } = session;
    await page.getByLabel('PFX files').setInputFiles([...paths]);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('User principal name').fill(UPN);
    await page.getByLabel('Purpose').selectOption('smimeEncryption');
    await page.getByLabel('Public key file').setInputFiles(publicKeyPath);
    await page.getByLabel('Provider name').fill('Microsoft Software Key Storage Provider');
    await page.getByLabel('Key name').fill('PFXEncryptionKey');
    const watched = page.evaluate(watchImport, paths.length);
    await page.getByRole('button', { name: 'Import' }).click();
    const { ms, firstMs, postMs, posts, lines } = await watched;
    const refused = lines.filter((line) => !line.endsWith(': Imported'));
    if (lines.length !== paths.length || refused.length > 0) throw new Error(`the page imported ${lines.length - refused.length} of ${paths.length}: ${refused.slice(0, 3).join('; ')}`);
    if (posts !== paths.length) throw new Error(`Resource Timing saw ${posts} POSTs for ${paths.length} files`);
    return { ms, postMs, firstMs };
  } finally {
    await session.close();
  }
}

const { files, formats } = await makeBothFormats(FILES, FILES); // a certificate a file: no thumbprint imported twice
let ok = true;
try {
  console.log('The page also POSTs each certificate to a local server; import --dry-run does not. ' +
    '"open + encrypt" is the page\'s time less its POSTs\' (Resource Timing).');
  for (const { format, paths } of formats) {
    const pageRounds: PageRound[] = [];
    const cliMs: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      pageRounds.push(await pageRound(paths, files.publicKeyPath));
      cliMs.push(await timeDryRun(files, paths));
    }
    const pageRate = bestRate(FILES, pageRounds.map((r) => r.ms));
    const aloneRate = bestRate(FILES, pageRounds.map((r) => r.ms - r.postMs));
    const cliRate = bestRate(FILES, cliMs);
    const best = pageRounds.reduce((a, b) => (b.ms < a.ms ? b : a));
    console.log(`${format}, ${FILES} files, best of ${RUNS}: Chromium Import page ${pageRate.toFixed(1)} files/s ` +
      `(${best.ms.toFixed(0)} ms, of which ${best.postMs.toFixed(0)} ms in POSTs; the first file ${best.firstMs.toFixed(0)} ms, ` +
      `the others ${((best.ms - best.firstMs) / Math.max(1, FILES - 1)).toFixed(0)} ms each), open + encrypt alone ${aloneRate.toFixed(1)} files/s; ` +
      `pfxstore import --dry-run ${cliRate.toFixed(1)} files/s (${Math.min(...cliMs).toFixed(0)} ms in all, start-up included)`);
    ok = report(`Chromium Import page / import --dry-run, files/s (${format}; page POSTs, CLI does not)`, pageRate / cliRate, '≥ 0.50', pageRate / cliRate >= 0.5) && ok;
    console.log(`      open + encrypt alone / import --dry-run: ${(aloneRate / cliRate).toFixed(2)} (figure only)`);
  }
} finally {
  await files.ws.cleanup();
}
process.exitCode = ok ? 0 : 1;
