/**
 * `serve --record`'s file opened by a HAR reader that is not ours: Playwright loads it into Chromium
 * (`routeFromHAR`) and answers the browser's requests from it, so a recorded session replays in the browser with
 * the server gone. The schema test (har-record.test.ts) checks the shape; this checks that a browser tool reads it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM } from '../console/browser.js';
import { listen } from '../helpers/server.js';

describe('a recording replayed in Chromium', () => {
  let dir: string;
  let browser: Browser;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pfxstore-har-browser-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the recorded answers come back from the file, the server stopped; what was not recorded is not invented', async () => {
    const file = join(dir, 'session.har');
    const server = await listen(['--http', '--db', 'memory', '--record', file]);
    const authorization = `Bearer ${await server.token()}`;
    const created = await fetch(`${server.url}/beta/users`, {
      method: 'POST', headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ userPrincipalName: 'replayed@contoso.com', displayName: 'Replayed' }),
    });
    assert.equal(created.status, 201);
    const user = `${server.url}/beta/users/replayed@contoso.com`;
    assert.equal((await fetch(user, { headers: { authorization } })).status, 200);
    await server.stop();

    const context = await browser.newContext();
    try {
      await context.routeFromHAR(file, { notFound: 'abort' });
      const page = await context.newPage();
      const answer = await page.goto(user);
      assert.equal(answer?.status(), 200);
      assert.match(answer?.headers()['content-type'] ?? '', /^application\/json/);
      const shown = JSON.parse(await page.locator('body').innerText()) as { userPrincipalName: string; displayName: string };
      assert.deepEqual([shown.userPrincipalName, shown.displayName], ['replayed@contoso.com', 'Replayed']);
      await assert.rejects(page.goto(`${server.url}/beta/users/never-asked@contoso.com`), /net::ERR_FAILED/);
    } finally {
      await context.close();
    }
  });
});
