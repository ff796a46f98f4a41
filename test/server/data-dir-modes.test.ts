import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseServeConfig } from '../../src/server/config.js';
import { mintDevToken } from '../../src/graph/dev-identity.js';
import { startServer } from '../../src/server/listen.js';
import { certificateBody, CERTS } from '../helpers/certificate-fixtures.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

test('the data directory is 0700 and every file in it 0600 — the SQLite database and its WAL too — even where an older start left them wider', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'pfxstore-modes-'));
  const dataDir = join(parent, 'data');
  try {
    const server = await startServer(parseServeConfig(['--port', '0', '--data', dataDir, '--log-level', 'silent', '--http'], {}));
    try {
      const token = await mintDevToken(server.devIdentity!);
      const res = await fetch(`${server.url}${CERTS}`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(await certificateBody()),
      });
      assert.equal(res.status, 201);
      assert.ok(existsSync(join(dataDir, 'pfxstore.db-wal')), 'the write went to the WAL');
      assert.equal(mode(dataDir), '700');
      for (const name of readdirSync(dataDir)) {
        // The dev CA certificate is public by nature; everything else is secret or holds secrets.
        if (name !== 'dev-ca.pem') assert.equal(mode(join(dataDir, name)), '600', name);
      }
    } finally {
      await server.close();
    }

    // Files and a directory made wider (by hand, or by an earlier version) are narrowed at the next start.
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'pfxstore.db'), 0o644);
    writeFileSync(join(dataDir, 'pfxstore.db-wal'), '', { mode: 0o644 });
    chmodSync(join(dataDir, 'pfxstore.db-wal'), 0o644);
    const again = await startServer(parseServeConfig(['--port', '0', '--data', dataDir, '--log-level', 'silent', '--http'], {}));
    await again.close();
    assert.equal(mode(dataDir), '700');
    assert.equal(mode(join(dataDir, 'pfxstore.db')), '600');
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
