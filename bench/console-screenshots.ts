/**
 * The README's and docs/console.md's screenshots: each console page at 1280×800 in Chromium, on a pfxstore
 * seeded with a few users' certificates. `npm run build && node dist/bench/console-screenshots.js` rewrites
 * docs/console/*.png.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settled, signInWithToken, startConsole } from '../test/console/browser.js';

const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'console');
const DAY_MS = 86_400_000;
const PURPOSES = ['smimeEncryption', 'smimeSigning', 'vpn', 'wifi'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];

const session = await startConsole();
try {
  mkdirSync(OUT, { recursive: true });
  for (let i = 0; i < 40; i++) {
    const user = USERS[i % USERS.length];
    await session.createCertificate({
      userPrincipalName: `${user}@contoso.com`,
      intendedPurpose: PURPOSES[i % PURPOSES.length],
      startDateTime: new Date(Date.now() - 300 * DAY_MS).toISOString(),
      expirationDateTime: new Date(Date.now() + ((i * 37) % 420 - 30) * DAY_MS).toISOString(),
      keyName: i % 3 ? 'PFXEncryptionKey' : 'PFXEncryptionKey-2026',
    });
  }
  await session.api('POST', 'users', { userPrincipalName: 'grace@contoso.com', displayName: 'Grace Hopper', accountEnabled: true });
  const { page } = session;
  await page.goto(`${session.origin}/console/`);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.screenshot({ path: join(OUT, 'sign-in.png') });
  await signInWithToken(session);
  for (const route of ['certificates', 'expiry', 'import', 'users', 'keys', 'audit']) {
    await session.open(route);
    if (route === 'expiry') {
      await page.locator('svg g[role="button"]').nth(3).click();
      await page.getByRole('heading', { name: /^Certificates that expire in/ }).waitFor();
      await settled(page);
    }
    await page.screenshot({ path: join(OUT, `${route}.png`) });
  }
  await session.open('certificates');
  await page.locator('main tbody tr a').first().click();
  await page.getByRole('heading', { name: 'Audit history' }).waitFor();
  await settled(page);
  await page.screenshot({ path: join(OUT, 'certificate.png') });
  process.stdout.write(`screenshots in ${OUT}\n`);
} finally {
  await session.close();
}
