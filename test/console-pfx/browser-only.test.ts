/**
 * The browser library stays browser-safe: every module console/src/pfx/index.ts reaches (its own and the shared
 * src/pfx ones) imports no Node built-in and uses no Buffer, so the console bundle never needs a Node polyfill.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const IMPORT = /^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm;

describe('console/src/pfx is browser code', () => {
  it('reaches no node: module and no Buffer, through every relative import', async () => {
    const seen = new Set<string>();
    const queue = [path.join(ROOT, 'console/src/pfx/index.ts')];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = await readFile(file, 'utf8');
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      assert.doesNotMatch(code, /\bBuffer\b/, `${path.relative(ROOT, file)} uses Buffer`);
      for (const [statement, specifier] of code.matchAll(IMPORT)) {
        if (/^import type\b|^export type\b/.test(statement)) continue; // erased at compile time
        assert.ok(!specifier!.startsWith('node:'), `${path.relative(ROOT, file)} imports ${specifier}`);
        if (specifier!.startsWith('.')) queue.push(path.resolve(path.dirname(file), specifier!.replace(/\.js$/, '.ts')));
        else assert.match(specifier!, /^@noble\/hashes\//, `${path.relative(ROOT, file)} imports the package ${specifier}`);
      }
    }
    assert.ok(seen.size > 15, `walked ${seen.size} modules`);
  });
});
