import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CERTS, certificateBody } from '../helpers/certificate-fixtures.js';
import { MAIN, spawnServer, type ChildServer } from '../helpers/child-server.js';
import { loadDevIdentity } from '../../src/graph/dev-identity.js';
import { postgresTestDb } from '../helpers/postgres.js';
import { postgresMigrations } from '../../src/store/migrations/postgres.js';

/**
 * Issue 4: several stateless pfxstore processes on one PostgreSQL schema, as a scaled-out deployment runs them.
 * Real processes over HTTP (the store-level races are in test/store/postgres-concurrency.test.ts). Both share
 * one --data directory: the dev signing key (one token works on both) and the at-rest secret key.
 */
const db = await postgresTestDb(import.meta.url);

describe('two pfxstore processes on one PostgreSQL schema', { skip: db.skip }, () => {
  let dataDir: string;
  let token: string;
  const running: ChildServer[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pfxstore-two-'));
    await loadDevIdentity(dataDir); // what serve makes at its first start; pfxstore token only reads it
    token = execFileSync(process.execPath, [MAIN, 'token', '--data', dataDir], { encoding: 'utf8' }).trim();
  });
  after(async () => {
    await Promise.all(running.splice(0).map(stop));
    await db.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(schema: string): Promise<ChildServer> {
    const server = await spawnServer(['--http', '--data', dataDir, '--db', db.urlFor(schema)]);
    running.push(server);
    return server;
  }

  async function stop(server: ChildServer): Promise<void> {
    if (server.process.exitCode === null) server.process.kill('SIGTERM');
    const { code } = await server.exited;
    assert.equal(code, 0, 'a clean exit on SIGTERM');
  }

  async function call(server: ChildServer, path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
    const res = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    });
    return { status: res.status, text: await res.text() };
  }

  const post = async (server: ChildServer, body: Record<string, unknown>) => call(server, CERTS, { method: 'POST', body: JSON.stringify(body) });

  async function count(server: ChildServer, path: string, filter: string): Promise<number> {
    const a = await call(server, `${path}/$count?$filter=${encodeURIComponent(filter)}`);
    assert.equal(a.status, 200, a.text);
    return Number(a.text);
  }

  test('both starting together on a fresh schema come up: the migrations run once, safely', async () => {
    const schema = db.newSchema();
    const [a, b] = await Promise.all([start(schema), start(schema)]);
    const { rows } = await db.query(schema, 'SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows, postgresMigrations.map((m) => ({ version: m.version })));
    for (const server of [a, b]) {
      assert.equal((await call(server, '/readyz')).status, 200);
      const created = await post(server, await certificateBody({ userPrincipalName: 'boot@contoso.com' }));
      assert.equal(created.status, 201, created.text);
    }
    assert.equal(await count(b, CERTS, "userPrincipalName eq 'boot@contoso.com'"), 2, 'each sees the other\'s rows');
    await Promise.all([stop(a), stop(b)]);
  });

  describe('sharing one schema', () => {
    let a: ChildServer;
    let b: ChildServer;
    before(async () => {
      const schema = db.newSchema();
      a = await start(schema); // migrates
      b = await start(schema);
    });

    test('the same certificate POSTed through both at once: one 201 and one 409, never two rows (20 rounds)', async () => {
      for (let round = 0; round < 20; round++) {
        // A new owner each round, so the two also race to create the user (CONTRACT §4.2).
        const upn = `racer${round}@contoso.com`;
        const body = await certificateBody({ userPrincipalName: upn });
        const answers = await Promise.all([post(a, body), post(b, body)]);
        assert.deepEqual(answers.map((x) => x.status).sort(), [201, 409], `round ${round}: ${answers.map((x) => `${x.status} ${x.text.slice(0, 200)}`).join(' | ')}`);
        const conflict = JSON.parse(answers.find((x) => x.status === 409)!.text) as { error: { code: string; message: string } };
        assert.equal(conflict.error.code, 'Conflict');
        assert.match(conflict.error.message, new RegExp(body.thumbprint as string), 'the 409 is about the certificate, not its owner');
        assert.equal(await count(a, CERTS, `thumbprint eq '${body.thumbprint as string}'`), 1, `round ${round}: one row`);
        assert.equal(await count(b, '/beta/users', `userPrincipalName eq '${upn}'`), 1, `round ${round}: one owner`);
      }
    });

    test('a list paged with $top=50 through A while B inserts returns every pre-existing row exactly once', async (t) => {
      const upn = 'pager@contoso.com';
      const existing: string[] = [];
      for (let i = 0; i < 300; i += 20) {
        const batch = await Promise.all(Array.from({ length: 20 }, async (_, j) => post(a, await certificateBody({
          userPrincipalName: upn,
          // Many ties in the ordered column: the keyset's sequence tiebreak is what keeps the paging exact.
          expirationDateTime: `20${27 + ((i + j) % 5)}-01-01T00:00:00Z`,
        }))));
        for (const x of batch) {
          assert.equal(x.status, 201, x.text);
          existing.push((JSON.parse(x.text) as { id: string }).id);
        }
      }

      let writing = true;
      let inserted = 0;
      const failures: string[] = [];
      const writers = Array.from({ length: 2 }, async () => {
        while (writing) {
          // Expirations that sort before, among and after the existing ones.
          const x = await post(b, await certificateBody({ userPrincipalName: upn, expirationDateTime: `20${26 + (inserted % 7)}-06-01T00:00:00Z` }));
          if (x.status === 201) inserted++;
          else failures.push(`${x.status} ${x.text}`);
        }
      });
      try {
        const filter = `$filter=${encodeURIComponent(`userPrincipalName eq '${upn}'`)}`;
        for (const options of [`${filter}&$top=50`, `${filter}&$top=50&$orderby=expirationDateTime desc`]) {
          const ids: string[] = [];
          let path: string | undefined = `${CERTS}?${options}`;
          let pages = 0;
          while (path) {
            const page = await call(a, path);
            assert.equal(page.status, 200, page.text);
            const body = JSON.parse(page.text) as { value: { id: string }[]; '@odata.nextLink'?: string };
            assert.ok(body.value.length <= 50, '$top is the page size');
            ids.push(...body.value.map((r) => r.id));
            path = body['@odata.nextLink']?.slice(a.url.length);
            pages++;
          }
          assert.ok(pages >= 6, `${options}: paged (${pages} pages)`);
          assert.equal(new Set(ids).size, ids.length, `${options}: no row twice`);
          const seen = new Set(ids);
          assert.deepEqual(existing.filter((id) => !seen.has(id)), [], `${options}: every pre-existing row`);
        }
      } finally {
        writing = false;
        await Promise.all(writers);
      }
      assert.deepEqual(failures, []);
      t.diagnostic(`B inserted ${inserted} certificates while A paged twice through ${existing.length}`);
      assert.ok(inserted > 0, 'B really inserted while A paged');
    });
  });
});
