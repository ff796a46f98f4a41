/**
 * The console's build (dist/web, made by `npm run build`): ≤ 250 KB gzipped (JS + CSS), hashed asset names,
 * and nothing that would load from the network or run inline (the CSP allows neither).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ensureConsoleBuilt } from './browser.js';

const BUILD = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const LIMIT_BYTES = 250 * 1024;

describe('console build', () => {
  let assets: string[];
  before(() => {
    ensureConsoleBuilt();
    assets = readdirSync(join(BUILD, 'assets'));
  });

  test('JS and CSS together are at most 250 KB gzipped', () => {
    const code = assets.filter((name) => /\.(js|css)$/.test(name));
    assert.ok(code.some((name) => name.endsWith('.js')) && code.some((name) => name.endsWith('.css')), `assets: ${assets.join(', ')}`);
    const gzipped = code.reduce((sum, name) => sum + gzipSync(readFileSync(join(BUILD, 'assets', name)), { level: 9 }).length, 0);
    assert.ok(gzipped <= LIMIT_BYTES, `${gzipped} bytes gzipped, over ${LIMIT_BYTES}`);
  });

  test('every asset has a content hash in its name (they are cached for a year)', () => {
    for (const name of assets) assert.match(name, /-[A-Za-z0-9_-]{8}\.\w+$/, name);
  });

  test('index.html loads only its own files, with no inline script or style', () => {
    const html = readFileSync(join(BUILD, 'index.html'), 'utf8');
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(html, /<style|style="/);
    for (const match of html.matchAll(/(?:src|href)="([^"]+)"/g)) assert.match(match[1], /^\/console\/assets\//);
  });

  test('the code names no other origin to fetch from (no CDN, no web fonts)', () => {
    for (const name of assets.filter((n) => /\.(js|css)$/.test(n))) {
      const text = readFileSync(join(BUILD, 'assets', name), 'utf8');
      assert.doesNotMatch(text, /@import\s+url\(|fonts\.googleapis|cdn\.|unpkg|jsdelivr/i, name);
    }
  });
});
