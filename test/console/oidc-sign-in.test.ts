/**
 * The console's sign-in with `--auth oidc`, in Chromium, against a real OpenID provider on this machine
 * (oidc-provider, test/helpers/oidc-provider.ts): "Sign in", the provider's own page, back to the console with a
 * code it exchanges at the provider's token endpoint (a cross-origin fetch: the CSP's connect-src and the
 * provider's CORS both have to allow it), then the API with the provider's token, then "Sign out".
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { oidcSignIn, startOidcProvider, type OidcProvider } from '../helpers/oidc-provider.js';
import type { Page } from 'playwright-core';
import { settled, startConsole, type ConsoleSession } from './browser.js';

const TOKEN_KEY = 'pfxstore.console.token';
const UPN = 'ada@contoso.com';

/** The console's one alert region: empty unless something failed ('' too on the provider's page, which has none). */
async function alertText(page: Page): Promise<string> {
  return page.evaluate(() => document.getElementById('alert')?.textContent?.trim() ?? '');
}

describe('web console in Chromium: sign-in with --auth oidc at a real OpenID provider', () => {
  let idp: OidcProvider;
  let session: ConsoleSession;
  let seeded: { thumbprint: string };
  /** The tests after the sign-in build on it, and fail at once without it rather than wait for its page. */
  let signedIn = false;
  /** What Chromium said on the console: a CSP violation or a CORS refusal shows here first. */
  const complaints: string[] = [];

  before(async () => {
    idp = await startOidcProvider();
    // Seeding too goes through the provider: a token from the same flow, run in Node (oauth4webapi).
    session = await startConsole({ serveArgs: idp.serveArgs, apiToken: async () => (await oidcSignIn(session.origin, 'seeder@contoso.com')).accessToken });
    await idp.registerConsole(session.origin);
    seeded = await session.createCertificate({ userPrincipalName: 'alice@contoso.com' });
    session.page.on('console', (message) => {
      const where = message.location().url;
      // Chromium asks both origins for /favicon.ico on its own; neither serves one, and no page depends on it.
      if (message.type() === 'error' && !where.endsWith('/favicon.ico')) complaints.push(`${message.text()} (${where})`);
    });
    session.page.on('pageerror', (err) => complaints.push(err.message));
  });
  after(async () => {
    await session?.close();
    await idp?.close();
  });

  test("the console's CSP lets it fetch from the provider (connect-src) and be sent there (form-action)", async () => {
    const response = await fetch(`${session.origin}/console/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, new RegExp(`connect-src 'self' ${idp.issuer}(;|$)`));
    assert.match(csp, new RegExp(`form-action 'self' ${idp.issuer}(;|$)`));
  });

  test("sign in at the provider's page, back on the console signed in, the token in sessionStorage only", async () => {
    const { page } = session;
    await page.goto(`${session.origin}/console/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // At the provider's page, or the console's alert saying why not (a fetch the CSP refuses, say) at once.
    await page.getByLabel('User principal name').or(page.locator('#alert:not([hidden])')).waitFor();
    assert.equal(await alertText(page), '', complaints.join('\n'));
    assert.ok(page.url().startsWith(`${idp.issuer}/interaction/`), page.url());
    await page.getByLabel('User principal name').fill(UPN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Signed in, or the alert saying why not (the token endpoint's fetch refused by the CSP or CORS, say).
    await page.getByRole('button', { name: 'Sign out' }).or(page.locator('#alert:not([hidden])')).waitFor();
    assert.equal(await alertText(page), '', complaints.join('\n'));
    await settled(page);
    await page.getByRole('columnheader', { name: 'User' }).waitFor();
    assert.equal(await page.locator('main table tbody tr').count(), 1);
    await page.getByRole('link', { name: seeded.thumbprint }).waitFor();
    // The code is out of the address bar.
    assert.equal(page.url(), `${session.origin}/console/`);

    const token = await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY);
    assert.ok(token, 'the access token is in sessionStorage');
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(claims.iss, idp.issuer, 'issued by the provider, not by pfxstore');
    assert.equal(claims.upn, UPN);
    assert.equal(claims.tid, idp.tenantId);
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
    assert.equal(await alertText(page), '', complaints.join('\n'));
    assert.deepEqual(complaints, []);
    signedIn = true;
  });

  test("Users with the provider's token: the list, and a user added (User.ReadWrite.All)", async () => {
    assert.ok(signedIn, 'not signed in: see the test before');
    const { page } = session;
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await settled(page);
    await page.getByLabel('User principal name').fill('grace@contoso.com');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('Added grace@contoso.com.').waitFor();
    await page.getByRole('cell', { name: 'grace@contoso.com', exact: true }).waitFor();
    assert.equal(await alertText(page), '', complaints.join('\n'));
    assert.deepEqual(complaints, []);
  });

  test('Sign out forgets the token and shows the sign-in page', async () => {
    assert.ok(signedIn, 'not signed in: see the test before');
    const { page } = session;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0);
    assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY), null);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
  });
});
