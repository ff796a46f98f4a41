import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_STATUS } from '../../src/graph/errors.js';

/** docs/api.md, read from the source tree (tsc copies no Markdown into dist/). */
const DOC = new URL('../../../docs/api.md', import.meta.url);

test("docs/api.md's error catalogue lists exactly the codes the server answers with, at their statuses", () => {
  const text = readFileSync(DOC, 'utf8');
  const section = /<!-- error-catalogue[^>]*-->([\s\S]*?)<!-- \/error-catalogue -->/.exec(text);
  assert.ok(section, 'docs/api.md has the error-catalogue markers');
  const documented = [...section[1].matchAll(/^\| (\d{3}) \| `(\w+)` \| (.+) \|$/gm)]
    .map(([, status, code, when]) => ({ status: Number(status), code, when: when.trim() }));
  assert.ok(documented.every((row) => row.when.length > 10), 'every code says when it is sent');
  assert.deepEqual(
    Object.fromEntries(documented.map((row) => [row.code, row.status])),
    { ...ERROR_STATUS },
  );
  assert.equal(documented.length, Object.keys(ERROR_STATUS).length, 'no code listed twice');
});
