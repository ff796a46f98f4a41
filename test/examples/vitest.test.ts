import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..', '..');

test('examples/testing/offboarding.spec.ts passes under Vitest, as a user runs it', async () => {
  // Vitest runs the TypeScript source itself; `pfxstore/testing` resolves through package.json's exports to dist/.
  const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'examples/testing/offboarding.spec.ts', '--reporter=verbose'],
    { cwd: ROOT, env: { ...process.env, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, output);
  assert.match(output, /removes the leaver's certificates/);
  assert.match(output, /Tests\s+2 passed \(2\)/);
});
