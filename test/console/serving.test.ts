/**
 * How the server serves the console (src/server/console.ts), through app.inject: the redirect, index.html for app
 * paths, cache headers, the security headers on every response under /console (errors too), and the missing build.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { consoleSecurityHeaders } from '../../src/server/console.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { memoryFactory } from '../helpers/stores.js';

const INDEX = '<!doctype html><title>console</title><script type="module" src="/console/assets/index-AbC123.js"></script>';
const SCRIPT = 'console.log("app");';

const DEV_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function assertSecurityHeaders(response: LightMyRequestResponse, csp = DEV_CSP): void {
  assert.equal(response.headers['content-security-policy'], csp);
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['referrer-policy'], 'no-referrer');
}

/** A stand-in for Vite's output: index.html and one hashed asset. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pfxstore-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-AbC123.js'), SCRIPT);
  return dir;
}

describe('console serving', () => {
  let t: TestApp;
  let build: string;
  before(async () => {
    build = fakeBuild();
    t = await makeTestApp(memoryFactory, { consoleDir: build });
  });
  after(async () => {
    await t.close();
    rmSync(build, { recursive: true, force: true });
  });

  test('GET /console redirects to /console/ (relative asset URLs need the slash), keeping the query', async () => {
    const response = await t.call({ method: 'GET', url: '/console?code=abc&state=xyz', token: null });
    assert.equal(response.statusCode, 301);
    assert.equal(response.headers.location, '/console/?code=abc&state=xyz');
    assertSecurityHeaders(response);
    const bare = await t.call({ method: 'GET', url: '/console', token: null });
    assert.equal(bare.headers.location, '/console/');
  });

  test('/console/ is index.html, asked for again each time (no-cache)', async () => {
    const response = await t.call({ method: 'GET', url: '/console/', token: null });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, INDEX);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'no-cache');
    assertSecurityHeaders(response);
  });

  test('an app path (no extension) is index.html too: the app routes itself', async () => {
    for (const url of ['/console/certificates', '/console/users/alice', '/console/?code=1&state=2']) {
      const response = await t.call({ method: 'GET', url, token: null });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.body, INDEX, url);
      assertSecurityHeaders(response);
    }
  });

  test('a hashed asset is cached for a year, immutable, with its type', async () => {
    const response = await t.call({ method: 'GET', url: '/console/assets/index-AbC123.js', token: null });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, SCRIPT);
    assert.equal(response.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
    assertSecurityHeaders(response);
  });

  test('HEAD answers like GET, without a body', async () => {
    const response = await t.call({ method: 'HEAD', url: '/console/assets/index-AbC123.js', token: null });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '');
    assertSecurityHeaders(response);
  });

  test('a missing file is a Graph 404 naming it, with the security headers', async () => {
    const response = await t.call({ method: 'GET', url: '/console/assets/gone-123.js', token: null });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error.code, 'ResourceNotFound');
    assert.equal(response.json().error.message, "The console has no file 'assets/gone-123.js'.");
    assertSecurityHeaders(response);
  });

  test('another method on a console path is refused, with the security headers', async () => {
    const response = await t.call({ method: 'POST', url: '/console/', token: null, json: {} });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error.code, 'ResourceNotFound');
    assert.equal(response.json().error.message, "Resource not found for the segment 'console'; no such path in this API.");
    assertSecurityHeaders(response);
  });

  // The dev authority's route (graph/console-config.ts): the console's headers reach routes console.ts does not own.
  test('other routes under /console (config.json) get the security headers too', async () => {
    const response = await t.call({ method: 'GET', url: '/console/config.json', token: null });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    assertSecurityHeaders(response);
  });

  test('the API keeps its own headers: no console policy on /beta', async () => {
    const response = await t.call({ method: 'GET', url: '/beta/users' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-security-policy'], undefined);
    const near = await t.call({ method: 'GET', url: '/consoles', token: null });
    assert.equal(near.statusCode, 404);
    assert.equal(near.headers['content-security-policy'], undefined);
  });
});

describe('console serving without a build', () => {
  let t: TestApp;
  let empty: string;
  before(async () => {
    empty = mkdtempSync(join(tmpdir(), 'pfxstore-console-'));
    t = await makeTestApp(memoryFactory, { consoleDir: empty });
  });
  after(async () => {
    await t.close();
    rmSync(empty, { recursive: true, force: true });
  });

  test('every console path answers 503 saying to run npm run build', async () => {
    for (const url of ['/console/', '/console/certificates', '/console/assets/index-AbC123.js']) {
      const response = await t.call({ method: 'GET', url, token: null });
      assert.equal(response.statusCode, 503, url);
      assert.equal(response.json().error.code, 'ServiceUnavailable');
      assert.equal(response.json().error.message,
        "The web console is not built: run 'npm run build' (or 'npm run build:console') and restart the server.");
      assertSecurityHeaders(response);
    }
  });
});

describe('console security headers', () => {
  test('dev mode: the authority is the server itself', () => {
    assert.equal(consoleSecurityHeaders({ auth: 'dev' })['content-security-policy'], DEV_CSP);
  });

  test("oidc mode: the issuer's origin may be fetched (metadata, token) and posted to (authorize)", () => {
    const csp = consoleSecurityHeaders({ auth: 'oidc', issuer: 'https://login.example.com/{tenantid}/v2.0' })['content-security-policy'];
    assert.equal(csp, "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
      "connect-src 'self' https://login.example.com; frame-ancestors 'none'; base-uri 'none'; form-action 'self' https://login.example.com");
  });

  test('oidc mode through the app: the policy names the configured issuer', async () => {
    const build = fakeBuild();
    const t = await makeTestApp(memoryFactory, {
      consoleDir: build,
      args: ['--auth', 'oidc', '--issuer', 'http://127.0.0.1:4999/idp', '--audience', 'api://pfxstore', '--jwks-uri', 'http://127.0.0.1:4999/idp/jwks'],
    });
    try {
      const response = await t.call({ method: 'GET', url: '/console/', token: null });
      assert.match(response.headers['content-security-policy'] as string, /connect-src 'self' http:\/\/127\.0\.0\.1:4999;/);
      assert.match(response.headers['content-security-policy'] as string, /form-action 'self' http:\/\/127\.0\.0\.1:4999$/);
    } finally {
      await t.close();
      rmSync(build, { recursive: true, force: true });
    }
  });
});
