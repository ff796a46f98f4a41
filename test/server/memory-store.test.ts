/**
 * `serve --db memory`: the records live in the process and nowhere else — no database file in the data directory,
 * nothing after a restart — while the API behaves as on SQLite (the integration suite runs on it too,
 * test/helpers/stores.ts).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Agent, fetch } from 'undici';
import { loadDevIdentity, mintDevToken } from '../../src/graph/dev-identity.js';
import { parseServeConfig } from '../../src/server/config.js';
import { UsageError } from '../../src/util/usage-error.js';
import { spawnServer } from '../helpers/child-server.js';

describe('serve --db memory', () => {
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function usersAfterCreating(dataDir: string, upn?: string): Promise<string[]> {
    const server = await spawnServer(['--data', dataDir, '--db', 'memory', '--http']);
    try {
      const token = await mintDevToken(await loadDevIdentity(dataDir));
      const dispatcher = new Agent();
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      if (upn) {
        const created = await fetch(`${server.url}/beta/users`, { method: 'POST', headers, dispatcher,
          body: JSON.stringify({ userPrincipalName: upn, displayName: 'Memory' }) });
        assert.equal(created.status, 201, await created.text());
      }
      const list = await fetch(`${server.url}/beta/users`, { headers, dispatcher });
      assert.equal(list.status, 200);
      const users = ((await list.json()) as { value: { userPrincipalName: string }[] }).value.map((u) => u.userPrincipalName);
      await dispatcher.close();
      return users;
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  }

  it('keeps records while it runs, writes no database file, and starts empty again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pfxstore-memory-'));
    dirs.push(dataDir);
    assert.ok((await usersAfterCreating(dataDir, 'mem@contoso.com')).includes('mem@contoso.com'));
    assert.deepEqual(readdirSync(dataDir).filter((f) => f.startsWith('pfxstore.db')), []);
    assert.ok(!(await usersAfterCreating(dataDir)).includes('mem@contoso.com'));
  });

  it('--db takes memory; anything else that is not sqlite: or postgres:// is a usage error naming all three', () => {
    assert.equal(parseServeConfig(['--db', 'memory'], {}).dbUrl, 'memory');
    assert.throws(() => parseServeConfig(['--db', 'mem'], {}),
      (err: Error) => err instanceof UsageError && err.message === "--db must be sqlite:<path>, postgres://… or memory, not 'mem'.");
  });
});
