/**
 * The console's speed in Chromium on a large store (issue #15): Certificates' first rows, the Expiry chart, and
 * filtering by UPN, with `--count` certificates (default 100,000) spread over 1,000 users and two years of expiry.
 *
 *   npm run build && node dist/bench/console.js [--count 100000]
 *
 * Three rounds, each timed from navigation (the app's files cached, as for a returning user); exits 1 when a
 * round misses its target. Targets: first rows ≤ 1 s, Expiry chart ≤ 1.5 s, filtering by UPN ≤ 300 ms (from the last keystroke, so the
 * console's 150 ms typing pause is included).
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { certificateBody } from '../test/helpers/certificate-fixtures.js';
import { settled, signInWithToken, startConsole } from '../test/console/browser.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100000' } } });
const COUNT = Number(values.count);
const USERS = 1000;
const CONCURRENCY = 32;
const DAY_MS = 86_400_000;

const session = await startConsole();
try {
  const template = await certificateBody();
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < COUNT) {
      const i = next++;
      const created = await session.api('POST', 'deviceManagement/userPfxCertificates', {
        ...template,
        thumbprint: randomBytes(20).toString('hex'),
        userPrincipalName: `user-${String(i % USERS).padStart(4, '0')}@contoso.com`,
        startDateTime: new Date(Date.now() - 400 * DAY_MS).toISOString(),
        expirationDateTime: new Date(Date.now() + ((i * 7919) % 730 - 60) * DAY_MS).toISOString(),
      });
      if (created.status !== 201) throw new Error(`seeding: ${created.status} ${JSON.stringify(created.json)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  process.stdout.write(`seeded ${COUNT} certificates in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  await signInWithToken(session);
  const { page } = session;
  const timed = async (name: string, target: number, run: () => Promise<void>) => {
    const t0 = performance.now();
    await run();
    const ms = performance.now() - t0;
    process.stdout.write(`${name}: ${ms.toFixed(0)} ms (target ≤ ${target} ms) ${ms <= target ? 'ok' : 'SLOW'}\n`);
    if (ms > target) process.exitCode = 1;
  };
  // Warm the browser's cache of the app's files once, as a returning user has them.
  await session.open('certificates');
  for (let run = 0; run < 3; run++) {
    await page.goto('about:blank');
    await timed('Certificates first rows', 1000, async () => {
      await page.goto(`${session.origin}/console/#/certificates`);
      await page.locator('main tbody tr').first().waitFor();
    });
    await page.goto('about:blank');
    await timed('Expiry chart', 1500, async () => {
      await page.goto(`${session.origin}/console/#/expiry`);
      await page.locator('svg g[role="button"]').first().waitFor();
      await settled(page);
    });
    await session.open('certificates');
    const upn = `user-${String(run * 17 + 5).padStart(4, '0')}@contoso.com`;
    const expected = `${COUNT / USERS} certificates`;
    await page.getByLabel('Filter by user or thumbprint').fill(upn.slice(0, -1));
    await timed('Filter by UPN', 300, async () => {
      await page.getByLabel('Filter by user or thumbprint').press('m');
      await page.waitForFunction((text) => document.querySelector('main .total')?.textContent === text, expected);
    });
  }
} finally {
  await session.close();
}
