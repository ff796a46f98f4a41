/**
 * The console in Chromium against a real pfxstore: sign-in state, Certificates (filter, purpose, sort, paging,
 * details, delete after confirming), Users (add, remove, the refusal's reason), Keys, Audit, Expiry (the bars'
 * names, a bar's list), Import (an OpenSSL 3 and a -legacy file, then the issue's walk: filter to one, open it,
 * delete it, find the other in the Expiry chart), the keyboard alone, and no request carrying a plaintext password.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { OpensslWorkspace } from '../helpers/openssl.js';
import { ADMIN, settled, signInThroughAuthority, signInWithToken, startConsole, type ConsoleSession } from './browser.js';

const DAY_MS = 86_400_000;
const MONTH_NAME = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric' });

function inDays(days: number): string {
  return new Date(Date.now() + days * DAY_MS).toISOString();
}

/** Two PFX files of one user, with one password: OpenSSL 3's default (AES, PBKDF2) and -legacy (3DES, RC2). */
async function twoPfxFiles(password: string): Promise<{ modern: Buffer; legacy: Buffer }> {
  const ws = await OpensslWorkspace.create('pfxstore-console-pfx-');
  try {
    const made: Buffer[] = [];
    for (const legacy of [false, true]) {
      const name = legacy ? 'legacy' : 'modern';
      const key = await ws.rsaKey(name, 2048);
      const cert = await ws.certificate(name, { key, subject: '/CN=importer@contoso.com', days: 200 });
      await ws.pkcs12(name, { cert, key, password, legacy });
      made.push(await ws.read(`${name}.pfx`));
    }
    return { modern: made[0], legacy: made[1] };
  } finally {
    await ws.cleanup();
  }
}

/** The rows of the page's first table body, as text per cell. */
async function rows(session: ConsoleSession): Promise<string[][]> {
  return session.page.locator('main table').first().locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));
}

describe('web console in Chromium', () => {
  let session: ConsoleSession;
  const seeded: Record<string, any> = {};

  before(async () => {
    session = await startConsole();
    seeded.alice = await session.createCertificate({ userPrincipalName: 'alice@contoso.com', intendedPurpose: 'smimeEncryption', expirationDateTime: inDays(45) });
    seeded.aliceVpn = await session.createCertificate({ userPrincipalName: 'alice@contoso.com', intendedPurpose: 'vpn', expirationDateTime: inDays(150) });
    seeded.expired = await session.createCertificate({ userPrincipalName: 'bob@contoso.com', startDateTime: inDays(-400), expirationDateTime: inDays(-3) });
    // More than a page (50) of one user's, for paging.
    for (let i = 0; i < 52; i++) {
      await session.createCertificate({ userPrincipalName: 'carol@contoso.com', intendedPurpose: 'wifi', expirationDateTime: inDays(200 + i) });
    }
  });
  after(async () => {
    await session?.close();
  });

  test('without a token the console asks to sign in, and shows no pages', async () => {
    await session.page.goto(`${session.origin}/console/`);
    await session.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await session.page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await session.page.getByRole('link', { name: 'Certificates' }).count(), 0);
  });

  test('sign-in through the dev authority (PKCE), then sign out', async () => {
    const context = await session.browser.newContext();
    try {
      const page = await context.newPage();
      await signInThroughAuthority(session, page);
      await page.getByRole('columnheader', { name: 'User' }).waitFor();
      assert.equal(await page.evaluate(() => localStorage.length), 0);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.equal(await page.evaluate(() => sessionStorage.getItem('pfxstore.console.token')), null);
    } finally {
      await context.close();
    }
  });

  test('Certificates: the columns, every certificate, the total from $count', async () => {
    await signInWithToken(session);
    await session.open('certificates');
    const headers = await session.page.locator('main table thead th').allTextContents();
    assert.deepEqual(headers.map((h) => h.replace(/[▲▼]/g, '').trim()), ['User', 'Thumbprint', 'Purpose', 'Expires', 'Key name']);
    assert.equal(await session.page.locator('main .total').textContent(), '55 certificates');
    // Soonest first: bob's expired one, then alice's two.
    const first = await rows(session);
    assert.equal(first.length, 50);
    assert.deepEqual(first.slice(0, 3).map((r) => r[1]), [seeded.expired.thumbprint, seeded.alice.thumbprint, seeded.aliceVpn.thumbprint]);
    assert.equal(await session.page.locator('main').getByText('encryptedPfx').count(), 0);
  });

  test('Certificates: "Next page" follows @odata.nextLink to the end', async () => {
    await session.page.getByRole('button', { name: 'Next page' }).click();
    await session.page.waitForFunction(() => document.querySelectorAll('main table tbody tr').length === 55);
    assert.equal(await session.page.getByRole('button', { name: 'Next page' }).count(), 0);
  });

  test('Certificates: the filter box narrows by user or thumbprint prefix', async () => {
    const filter = session.page.getByLabel('Filter by user or thumbprint');
    await filter.fill('ALICE');
    await session.page.waitForFunction(() => document.querySelector('main .total')?.textContent === '2 certificates');
    assert.deepEqual((await rows(session)).map((r) => r[0]), ['alice@contoso.com', 'alice@contoso.com']);
    await filter.fill(seeded.expired.thumbprint.slice(0, 12).toLowerCase());
    await session.page.waitForFunction(() => document.querySelector('main .total')?.textContent === '1 certificate');
    assert.equal((await rows(session))[0][1], seeded.expired.thumbprint);
    await filter.fill('nobody');
    await session.page.getByText('No certificates match.').waitFor();
    await filter.fill('');
    await session.page.waitForFunction(() => document.querySelector('main .total')?.textContent === '55 certificates');
  });

  test('Certificates: the Purpose select', async () => {
    await session.page.getByLabel('Purpose').selectOption('vpn');
    await session.page.waitForFunction(() => document.querySelector('main .total')?.textContent === '1 certificate');
    assert.equal((await rows(session))[0][1], seeded.aliceVpn.thumbprint);
    await session.page.getByLabel('Purpose').selectOption('');
    await session.page.waitForFunction(() => document.querySelector('main .total')?.textContent === '55 certificates');
  });

  test('Certificates: clicking "Expires" sorts latest first, and again soonest first', async () => {
    await session.page.getByRole('button', { name: 'Expires' }).click();
    await session.page.locator('th[aria-sort="descending"]').waitFor();
    const latest = await rows(session);
    assert.equal(latest[0][0], 'carol@contoso.com');
    assert.ok(latest[0][3] >= latest[1][3]);
    // The keyboard user who sorted is still on the button.
    assert.equal(await session.page.evaluate(() => document.activeElement?.textContent?.startsWith('Expires')), true);
    await session.page.getByRole('button', { name: 'Expires' }).click();
    await session.page.locator('th[aria-sort="ascending"]').waitFor();
    assert.equal((await rows(session))[0][1], seeded.expired.thumbprint);
  });

  test('details: every non-secret property and the audit history; Delete asks "Delete certificate?"', async () => {
    await session.page.getByRole('link', { name: seeded.alice.thumbprint }).click();
    await session.page.getByRole('heading', { name: `Certificate ${seeded.alice.thumbprint}` }).waitFor();
    await settled(session.page);
    const terms = await session.page.locator('main dl dt').allTextContents();
    assert.deepEqual(terms, ['Id', 'Thumbprint', 'Purpose', 'User', 'Valid from', 'Expires', 'Provider name', 'Key name', 'Padding scheme', 'Created', 'Last modified']);
    assert.ok((await session.page.locator('main dl').textContent())!.includes('Microsoft Software Key Storage Provider'));
    await session.page.getByRole('table', { name: /Audit events for this certificate/ }).waitFor();
    assert.equal(await session.page.locator('main table tbody tr').count(), 1);

    // Cancel keeps it.
    await session.page.getByRole('button', { name: 'Delete' }).click();
    const dialog = session.page.getByRole('dialog', { name: 'Delete certificate?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await session.api('GET', `deviceManagement/userPfxCertificates/${seeded.alice.id}`)).status, 200);

    await session.page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await session.page.getByText(`Deleted certificate ${seeded.alice.thumbprint}.`).waitFor();
    assert.equal(await session.page.locator('main .total').textContent(), '54 certificates');
    assert.equal((await session.api('GET', `deviceManagement/userPfxCertificates/${seeded.alice.id}`)).status, 404);
  });

  test('Users: certificate counts, Add user, Remove, and the refusal shown with its reason', async () => {
    await session.page.getByRole('link', { name: 'Users' }).click();
    await settled(session.page);
    const counts = Object.fromEntries((await rows(session)).map((r) => [r[0], r[2]]));
    assert.deepEqual(counts, { 'alice@contoso.com': '1', 'bob@contoso.com': '1', 'carol@contoso.com': '52' });

    await session.page.getByLabel('User principal name').fill('dave@contoso.com');
    await session.page.getByLabel('Display name').fill('Dave Example');
    await session.page.getByRole('button', { name: 'Add user' }).click();
    await session.page.getByText('Added dave@contoso.com.').waitFor();
    await session.page.getByRole('cell', { name: 'Dave Example', exact: true }).waitFor();
    assert.equal((await session.api('GET', 'users/dave@contoso.com')).json.displayName, 'Dave Example');

    // A user with a certificate: the server's refusal, word for word.
    await session.page.getByRole('button', { name: 'Remove bob@contoso.com' }).click();
    const alert = session.page.getByRole('alert');
    await alert.filter({ hasText: 'still owns certificates' }).waitFor();
    const refusal = await session.api('DELETE', 'users/bob@contoso.com');
    assert.equal(refusal.status, 409);
    assert.equal(await alert.textContent(), refusal.json.error.message);

    await session.page.getByRole('button', { name: 'Remove dave@contoso.com' }).click();
    await session.page.getByText('Removed dave@contoso.com.').waitFor();
    await session.page.getByRole('cell', { name: 'dave@contoso.com', exact: true }).waitFor({ state: 'detached' });
    assert.equal((await session.api('GET', 'users/dave@contoso.com')).status, 404);
  });

  test('Keys: each key in use with its count and soonest expiry', async () => {
    await session.page.getByRole('link', { name: 'Keys' }).click();
    await settled(session.page);
    const keys = await rows(session);
    assert.equal(keys.length, 1);
    assert.deepEqual(keys[0].slice(0, 4), ['Microsoft Software Key Storage Provider', 'PFXEncryptionKey', 'oaepSha512', '54']);
    assert.equal(keys[0][4], new Date(seeded.expired.expirationDateTime).toLocaleDateString('en-CA'));
  });

  test('Audit: newest first, narrowed by actor and by certificate', async () => {
    await session.page.getByRole('link', { name: 'Audit' }).click();
    await settled(session.page);
    const events = await rows(session);
    assert.equal(events.length, 50);
    // The newest: dave's removal, by the signed-in user.
    assert.equal(events[0][3], ADMIN);
    await session.page.getByLabel('Actor').fill(ADMIN);
    await session.page.getByRole('button', { name: 'Apply' }).click();
    await session.page.getByText(/events shown — the end of the audit trail/).waitFor();
    const mine = await rows(session);
    assert.ok(mine.length >= 3 && mine.every((r) => r[3] === ADMIN), JSON.stringify(mine));
    await session.page.getByLabel('Actor').fill('');
    await session.page.getByLabel('Certificate id').fill(seeded.alice.id);
    await session.page.getByRole('button', { name: 'Apply' }).click();
    await session.page.getByText('2 events shown — the end of the audit trail').waitFor();
  });

  test("Expiry: the bars' accessible names, and a bar lists its certificates", async () => {
    await session.page.getByRole('link', { name: 'Expiry' }).click();
    await settled(session.page);
    await session.page.getByRole('button', { name: '1 certificates have expired' }).waitFor();
    const month = MONTH_NAME.format(new Date(seeded.aliceVpn.expirationDateTime));
    const bar = session.page.getByRole('button', { name: `1 certificates expire in ${month}` });
    await bar.click();
    await session.page.getByRole('heading', { name: `Certificates that expire in ${month}` }).waitFor();
    assert.deepEqual((await rows(session)).map((r) => r[1]), [seeded.aliceVpn.thumbprint]);
    const names = await session.page.locator('svg g[role="button"]').evaluateAll((bars) => bars.map((b) => b.getAttribute('aria-label')));
    assert.equal(names.length, 13);
    assert.equal(names.filter((n) => /^\d+ certificates expire in [A-Z][a-z]+ \d{4}$/.test(n ?? '')).length, 12);
  });

  test('a 401 from the API sends the user back to sign-in', async () => {
    const context = await session.browser.newContext();
    try {
      await context.addInitScript(() => sessionStorage.setItem('pfxstore.console.token', 'not-a-token'));
      const page = await context.newPage();
      await page.goto(`${session.origin}/console/#/users`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByText(/Your session has ended \(.+\) — sign in again\./).waitFor();
      assert.equal(await page.evaluate(() => sessionStorage.getItem('pfxstore.console.token')), null);
    } finally {
      await context.close();
    }
  });

  test('Import with the keyboard alone; no request the browser sent carries the plaintext password', async () => {
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    const pfx = await twoPfxFiles(password);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const page = session.page;
    await session.open('certificates');
    // From the top of the page, Tab to the "Import" link and follow it.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let onImport = false;
    for (let i = 0; i < 10 && !onImport; i++) {
      await page.keyboard.press('Tab');
      onImport = await page.evaluate(() => document.activeElement?.textContent === 'Import');
    }
    assert.ok(onImport, 'Tab never reached the Import link');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Import' }).waitFor();

    // Files are chosen by the test (a file picker is the one thing a keyboard cannot drive headless); then typing and Tab.
    const files = [
      { name: 'modern.pfx', mimeType: 'application/x-pkcs12', buffer: pfx.modern },
      { name: 'legacy.pfx', mimeType: 'application/x-pkcs12', buffer: pfx.legacy },
    ];
    await page.getByLabel('PFX files').setInputFiles(files);
    await page.getByLabel('Public key file').setInputFiles({ name: 'corp.pub.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })) });
    await page.getByLabel('Password').focus();
    await page.keyboard.type(password);
    await page.keyboard.press('Tab');
    await page.keyboard.type('importer@contoso.com');
    await page.getByLabel('Provider name').focus();
    await page.keyboard.type('Microsoft Software Key Storage Provider');
    await page.keyboard.press('Tab');
    await page.keyboard.type('PFXEncryptionKey');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Import');
    await page.keyboard.press('Enter');

    const results = page.getByRole('list', { name: 'Import results' });
    await results.getByText('legacy.pfx: Imported').waitFor();
    assert.deepEqual(await results.locator('li').allTextContents(), ['modern.pfx: Imported', 'legacy.pfx: Imported']);
    // Again: the server's 409 for a thumbprint it has.
    await page.getByLabel('PFX files').setInputFiles(files.slice(1));
    await page.getByRole('button', { name: 'Import' }).click();
    await results.getByText('legacy.pfx: Already imported').waitFor();

    // Both in the list; filtered to one, opened, deleted after confirming; the other found in the Expiry chart (200
    // days: within its 12 months).
    await session.open('certificates');
    await page.getByLabel('Filter by user or thumbprint').fill('importer@');
    await page.waitForFunction(() => document.querySelector('main .total')?.textContent === '2 certificates');
    const imported = (await session.api('GET', "deviceManagement/userPfxCertificates?$filter=userPrincipalName eq 'importer@contoso.com'")).json.value;
    const [gone, kept] = imported as { thumbprint: string; expirationDateTime: string }[];
    await page.getByLabel('Filter by user or thumbprint').fill(gone.thumbprint);
    await page.waitForFunction(() => document.querySelector('main .total')?.textContent === '1 certificate');
    await page.getByRole('link', { name: gone.thumbprint }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete certificate?' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByText(`Deleted certificate ${gone.thumbprint}.`).waitFor();
    await page.getByRole('link', { name: 'Expiry' }).click();
    await settled(page);
    const month = MONTH_NAME.format(new Date(kept.expirationDateTime));
    await page.getByRole('button', { name: new RegExp(`^\\d+ certificates expire in ${month}$`) }).click();
    await page.getByRole('heading', { name: `Certificates that expire in ${month}` }).waitFor();
    const listed = (await rows(session)).map((r) => r[1]);
    assert.ok(listed.includes(kept.thumbprint) && !listed.includes(gone.thumbprint), listed.join(', '));

    const leaks = session.sent.filter((r) => [r.url, r.body, ...Object.values(r.headers)].some((part) => part.includes(password)));
    assert.deepEqual(leaks, []);
    assert.ok(session.sent.length > 40, `only ${session.sent.length} requests were captured`);
  });
});
