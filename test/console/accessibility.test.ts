/**
 * axe-core (through @axe-core/playwright) on every page of the console in Chromium: no serious or critical
 * violation, on the pages as they are after loading data, and with the delete dialog open.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { settled, signInWithToken, startConsole, type ConsoleSession } from './browser.js';

/** The serious and critical violations on the page as it is now, each with the elements it names. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('console accessibility (axe)', () => {
  let session: ConsoleSession;
  let certificate: any;

  before(async () => {
    session = await startConsole();
    certificate = await session.createCertificate({ userPrincipalName: 'alice@contoso.com', expirationDateTime: new Date(Date.now() + 40 * 86_400_000).toISOString() });
    await session.createCertificate({ userPrincipalName: 'bob@contoso.com', intendedPurpose: 'vpn' });
  });
  after(async () => {
    await session?.close();
  });

  test('the sign-in page', async () => {
    await session.page.goto(`${session.origin}/console/`);
    await session.page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.deepEqual(await violations(session.page), []);
  });

  // Expiry is checked below, with a bar's list open: the chart and the list in one run (axe takes seconds a page).
  for (const route of ['certificates', 'import', 'users', 'keys', 'audit']) {
    test(`the ${route} page`, async () => {
      await signInWithToken(session);
      await session.open(route);
      assert.deepEqual(await violations(session.page), []);
    });
  }

  test('a certificate, and its delete dialog', async () => {
    await session.open(`certificates/${certificate.id}`);
    await session.page.getByRole('heading', { name: 'Audit history' }).waitFor();
    await session.page.getByRole('table', { name: /Audit events/ }).waitFor();
    assert.deepEqual(await violations(session.page), []);
    await session.page.getByRole('button', { name: 'Delete' }).click();
    await session.page.getByRole('dialog', { name: 'Delete certificate?' }).waitFor();
    assert.deepEqual(await violations(session.page), []);
  });

  test("the Expiry page, with a bar's list open", async () => {
    await session.open('expiry');
    await session.page.locator('svg g[role="button"]').nth(2).click();
    await session.page.getByRole('heading', { name: /^Certificates that expire in/ }).waitFor();
    await settled(session.page);
    assert.deepEqual(await violations(session.page), []);
  });
});
