/**
 * `serve --seed FILE` (and startServer's `seed` option): known data loaded at start through the API's own
 * validation, skipped when it exists already, refused whole — naming item and property — when any of it is bad.
 * Reset and reseed over HTTP on every store: test/integration/reset.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Agent, fetch } from 'undici';
import { parseServeConfig } from '../../src/server/config.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/server/listen.js';
import { mintDevToken } from '../../src/graph/dev-identity.js';
import type { SeedDocument } from '../../src/service/seed-document.js';
import { certificateBody } from '../helpers/certificate-fixtures.js';
import { spawnServer } from '../helpers/child-server.js';
import { postgresTestDb } from '../helpers/postgres.js';
import { runCli } from '../cli/harness.js';

const ALICE_ID = '4f1e2d3c-5b6a-4978-8a9b-0c1d2e3f4a5b';
const THUMBPRINT = 'ab'.repeat(20);
const CERTS = '/beta/deviceManagement/userPfxCertificates';
const db = await postgresTestDb(import.meta.url);
/** The README's example seed, from dist/test/server. */
const EXAMPLE_SEED = fileURLToPath(new URL('../../../examples/seed.json', import.meta.url));

describe('serve --seed', () => {
  const dirs: string[] = [];
  const agent = new Agent();
  let seed: SeedDocument;
  let seedFile: string;

  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfxstore-seed-'));
    dirs.push(dir);
    return dir;
  };
  const writeSeed = (content: unknown) => {
    const file = join(tempDir(), 'seed.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const start = (dataDir: string, args: string[] = [], options?: StartOptions) =>
    startServer(parseServeConfig(['--port', '0', '--http', '--data', dataDir, '--log-level', 'silent', ...args], {}), options);

  async function read(server: RunningServer, path: string): Promise<Record<string, any>[]> {
    const res = await fetch(`${server.url}${path}`, { dispatcher: agent, headers: { authorization: `Bearer ${await mintDevToken(server.devIdentity!)}` } });
    assert.equal(res.status, 200, path);
    return ((await res.json()) as { value: Record<string, any>[] }).value;
  }
  const upns = async (server: RunningServer) => (await read(server, '/beta/users?$orderby=userPrincipalName')).map((u) => u.userPrincipalName);

  before(async () => {
    seed = {
      users: [{ id: ALICE_ID, userPrincipalName: 'alice@contoso.com', displayName: 'Alice' }, { userPrincipalName: 'bob@contoso.com' }],
      userPfxCertificates: [
        await certificateBody({ userPrincipalName: 'Alice@Contoso.com', thumbprint: THUMBPRINT.toUpperCase() }),
        // An owner the seed does not list is created, as a POST creates it.
        await certificateBody({ userPrincipalName: 'carl@contoso.com' }),
      ],
    };
    seedFile = writeSeed(seed);
  });
  after(async () => {
    await agent.close();
    await db.cleanup();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const args of [[], ['--db', 'memory']]) {
    test(`loads at start ${args.length ? 'in memory' : 'into a SQLite file'}: users, certificates, audit events by 'pfxstore seed'`, async () => {
      const server = await start(tempDir(), [...args, '--seed', seedFile]);
      try {
        assert.deepEqual(await upns(server), ['alice@contoso.com', 'bob@contoso.com', 'carl@contoso.com']);
        const certs = await read(server, CERTS);
        assert.deepEqual(certs.map((c) => c.userPrincipalName).sort(), ['alice@contoso.com', 'carl@contoso.com']);
        assert.ok(certs.some((c) => c.id === `${ALICE_ID.replace(/-/g, '')}-${THUMBPRINT}`));
        const events = await read(server, '/beta/deviceManagement/auditEvents');
        assert.equal(events.length, 5);
        assert.deepEqual(new Set(events.map((e) => e.actor.applicationDisplayName)), new Set(['pfxstore seed']));
        assert.equal(new Set(events.map((e) => e.correlationId)).size, 1);
      } finally {
        await server.close();
      }
    });
  }

  test('a restart with the same seed on a SQLite file is a no-op; items that exist already (a UPN in any case) are skipped', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    const created = await fetch(`${first.url}/beta/users`, { method: 'POST', dispatcher: agent,
      headers: { authorization: `Bearer ${await mintDevToken(first.devIdentity!)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userPrincipalName: 'BOB@contoso.com', displayName: 'Bob by API' }) });
    assert.equal(created.status, 201);
    await first.close();

    const snapshot = async (server: RunningServer) =>
      Promise.all(['/beta/users', CERTS, '/beta/deviceManagement/auditEvents'].map((path) => read(server, path)));
    const seeded = await start(dataDir, ['--seed', seedFile]);
    const once = await snapshot(seeded);
    await seeded.close();
    assert.deepEqual(once[0].map((u) => [u.userPrincipalName, u.displayName]),
      [['BOB@contoso.com', 'Bob by API'], ['alice@contoso.com', 'Alice'], ['carl@contoso.com', 'carl']]);
    assert.equal(once[2].length, 1 + 4);

    const again = await start(dataDir, ['--seed', seedFile]);
    try {
      assert.deepEqual(await snapshot(again), once);
    } finally {
      await again.close();
    }
  });

  test('on PostgreSQL too: the seed loads, and a second instance started with it changes nothing', { skip: db.skip }, async () => {
    const url = db.urlFor(db.newSchema());
    const snapshot = async (server: RunningServer) =>
      Promise.all(['/beta/users', CERTS, '/beta/deviceManagement/auditEvents'].map((path) => read(server, path)));
    const dataDir = tempDir();
    const first = await start(dataDir, ['--db', url, '--seed', seedFile]);
    let once: Record<string, any>[][];
    try {
      once = await snapshot(first);
      assert.deepEqual(once.map((rows) => rows.length), [3, 2, 5]);
    } finally {
      await first.close();
    }
    const again = await start(dataDir, ['--db', url, '--seed', seedFile]);
    try {
      assert.deepEqual(await snapshot(again), once);
    } finally {
      await again.close();
    }
  });

  test("startServer's seed wins over --seed, and its shape is checked the same way", async () => {
    const dataDir = tempDir();
    const server = await start(dataDir, ['--seed', join(dataDir, 'absent.json')], { seed: { users: [{ userPrincipalName: 'opt@contoso.com' }] } });
    try {
      assert.deepEqual(await upns(server), ['opt@contoso.com']);
    } finally {
      await server.close();
    }
    await assert.rejects(start(dataDir, [], { seed: [] as SeedDocument }), {
      name: 'SeedError', message: 'seed: must be a JSON object {"users": […], "userPfxCertificates": […]}, not an array.',
    });
  });

  test('a seed file that cannot be used stops the start with a message naming the file and what is wrong', async () => {
    const missing = join(tempDir(), 'missing.json');
    const cases: [string, string][] = [
      [missing, `seed file '${missing}': cannot be read: no such file.`],
      [tempDir(), 'cannot be read: it is a directory.'],
      [writeSeed('{\n  "users": [\n    {"userPrincipalName": "a@b.c",}\n  ]\n}'),
        'not valid JSON: Expected double-quoted property name in JSON at position 49 (line 3, column 35).'],
      [writeSeed('[]'), 'must be a JSON object {"users": […], "userPfxCertificates": […]}, not an array.'],
      [writeSeed({ users: [], certificates: [] }), "unknown key 'certificates'; a seed has 'users' and 'userPfxCertificates' (and $-keys as comments)."],
      [writeSeed({ users: { userPrincipalName: 'a@b.c' } }), "'users' must be an array of request bodies, not an object."],
    ];
    for (const [file, message] of cases) {
      await assert.rejects(start(tempDir(), ['--seed', file]), (err: Error) => {
        assert.equal(err.name, 'SeedError');
        assert.equal(err.message, message.startsWith('seed file') ? message : `seed file '${file}': ${message}`);
        return true;
      });
    }
    // $-keys are comments; an empty seed loads nothing.
    const empty = await start(tempDir(), ['--seed', writeSeed({ $comment: 'nothing yet', users: [] })]);
    await empty.close();
  });

  test('bad items stop the start, each named by index and property with the API\'s own message, and nothing is loaded', async () => {
    const dataDir = tempDir();
    const bad = writeSeed({
      users: [
        { userPrincipalName: 'alice@contoso.com' },
        { displayName: 'No UPN' },
        { tenantId: 'not-a-guid', userPrincipalName: 'x@contoso.com' },
        { id: 42, userPrincipalName: 'y@contoso.com' },
        { userPrincipalName: 'ALICE@contoso.com' },
        'bob@contoso.com',
        { userPrincipalName: 'z@contoso.com', nickname: 'z' },
      ],
      userPfxCertificates: [
        await certificateBody({ thumbprint: 'xyz', keyName: ' ' }),
        await certificateBody({ startDateTime: '2030-01-01T00:00:00Z' }),
        await certificateBody({ thumbprint: THUMBPRINT }),
        await certificateBody({ thumbprint: THUMBPRINT, userPrincipalName: 'ALICE@CONTOSO.COM' }),
      ],
    });
    await assert.rejects(start(dataDir, ['--seed', bad]), (err: Error) => {
      assert.equal(err.name, 'SeedError');
      assert.deepEqual(err.message.split('\n'), [
        "seed: users[1].userPrincipalName: property 'userPrincipalName' is required",
        "seed: users[2].tenantId: must be a GUID, not 'not-a-guid'",
        'seed: users[3].id: must be a GUID, not 42',
        'seed: users[4].userPrincipalName: the same user as users[0]',
        "seed: users[5]: must be a JSON object (a request body of type microsoft.graph.user), not 'bob@contoso.com'",
        "seed: users[6].nickname: property 'nickname' does not exist on type 'microsoft.graph.user'",
        "seed: userPfxCertificates[0].thumbprint: property 'thumbprint' must be the certificate's SHA-1 hash as 40 hex digits, not 'xyz'",
        "seed: userPfxCertificates[0].keyName: property 'keyName' must not be empty",
        "seed: userPfxCertificates[1].startDateTime: 'startDateTime' must be before 'expirationDateTime'",
        'seed: userPfxCertificates[3].thumbprint: the same certificate as userPfxCertificates[2]',
      ]);
      return true;
    });
    const after = await start(dataDir);
    try {
      assert.deepEqual(await upns(after), []);
    } finally {
      await after.close();
    }
  });

  test('a long list of problems is cut at 20 lines and counted', async () => {
    const users = Array.from({ length: 25 }, () => ({ displayName: 'no UPN' }));
    await assert.rejects(start(tempDir(), [], { seed: { users } }), (err: Error) => {
      const lines = err.message.split('\n');
      assert.equal(lines.length, 21);
      assert.equal(lines[20], 'seed: … and 5 more problems');
      return true;
    });
  });

  test('--no-auto-users: a certificate whose owner is neither seeded nor stored stops the start, before any write', async () => {
    const dataDir = tempDir();
    const owners = writeSeed({
      users: [{ userPrincipalName: 'alice@contoso.com' }],
      userPfxCertificates: [await certificateBody({ userPrincipalName: 'alice@contoso.com' }), await certificateBody({ userPrincipalName: 'Dora@contoso.com' })],
    });
    const first = await start(dataDir, ['--no-auto-users']);
    const tenantId = first.devIdentity!.tenantId;
    await first.close();
    await assert.rejects(start(dataDir, ['--no-auto-users', '--seed', owners]), {
      name: 'SeedError',
      message: `seed: userPfxCertificates[1].userPrincipalName: no user 'Dora@contoso.com' in tenant ${tenantId}; ` +
        "add it to the seed's users (with --no-auto-users a certificate does not create its owner)",
    });
    const server = await start(dataDir, ['--no-auto-users']);
    try {
      assert.deepEqual(await upns(server), []);
      // Stored already: the seed may name her.
      const res = await fetch(`${server.url}/beta/users`, { method: 'POST', dispatcher: agent,
        headers: { authorization: `Bearer ${await mintDevToken(server.devIdentity!)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userPrincipalName: 'dora@contoso.com' }) });
      assert.equal(res.status, 201);
    } finally {
      await server.close();
    }
    const seeded = await start(dataDir, ['--no-auto-users', '--seed', owners]);
    try {
      assert.equal((await read(seeded, CERTS)).length, 2);
    } finally {
      await seeded.close();
    }
  });

  test('--auth oidc: no default tenant, so each item names its tenantId; /_pfxstore/reset does not exist', async () => {
    const oidc = ['--auth', 'oidc', '--issuer', 'https://login.microsoftonline.com/{tenantid}/v2.0', '--audience', 'api://pfxstore',
      '--jwks-uri', 'http://127.0.0.1:9/keys'];
    await assert.rejects(start(tempDir(), [...oidc, '--seed', writeSeed({ users: [{ userPrincipalName: 'a@contoso.com' }] })]), {
      name: 'SeedError',
      message: 'seed: users[0].tenantId: required: there is no default tenant (the server does not run with --auth dev)',
    });
    const server = await start(tempDir(), [...oidc, '--seed',
      writeSeed({ users: [{ tenantId: '0f6b1d2c-8e4a-4b7f-a3c5-9d2e6f1a8b40', userPrincipalName: 'a@contoso.com' }] })]);
    try {
      const res = await fetch(`${server.url}/_pfxstore/reset`, { method: 'POST', dispatcher: agent, headers: { authorization: 'Bearer x' } });
      assert.equal(res.status, 404);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'ResourceNotFound');
      assert.equal(body.error.message, "Resource not found for the segment 'reset'; no such path in this API.");
    } finally {
      await server.close();
    }
  });

  test('pfxstore serve: a bad seed (here from PFXSTORE_SEED) exits 2 with the message on stderr; --help lists --seed', async () => {
    const result = await runCli(['serve', '--data', tempDir(), '--port', '0', '--http'],
      { env: { PFXSTORE_SEED: writeSeed({ users: [{ displayName: 'No UPN' }] }) } });
    assert.equal(result.code, 2);
    assert.equal(result.stderr, "pfxstore serve: seed: users[0].userPrincipalName: property 'userPrincipalName' is required\n");
    assert.equal(result.stdout, '');
    const help = await runCli(['serve', '--help']);
    assert.match(help.stdout, /^ {2}--seed FILE +load users and certificates from this JSON file at start .*\[env: PFXSTORE_SEED\]$/m);
  });

  test("the README's example: examples/seed.json, then a reset and a reseed, over HTTPS with the dev CA", async () => {
    const dataDir = tempDir();
    const server = await spawnServer(['--data', dataDir, '--db', 'memory', '--seed', EXAMPLE_SEED]);
    const ca = new Agent({ connect: { ca: readFileSync(join(dataDir, 'dev-ca.pem')) } });
    try {
      const token = await runCli(['token', '--data', dataDir]);
      assert.equal(token.code, 0, token.stderr);
      const headers = { authorization: `Bearer ${token.stdout.trim()}` };
      const get = async (path: string) => {
        const res = await fetch(`${server.url}${path}`, { headers, dispatcher: ca });
        assert.equal(res.status, 200, path);
        return res.json() as Promise<Record<string, any>>;
      };
      const alice = await get('/beta/users/alice@contoso.com');
      assert.equal(alice.id, '7d0c2f4e-3b1a-4c8e-9f6d-2a5b8c1e4f70');
      const certId = '7d0c2f4e3b1a4c8e9f6d2a5b8c1e4f70-a9657bd2b224a4828ff52b00c6778a905b1c48da';
      assert.equal((await get(`${CERTS}/${certId}`)).intendedPurpose, 'smimeEncryption');

      const reset = await fetch(`${server.url}/_pfxstore/reset`, { method: 'POST', headers, dispatcher: ca });
      assert.equal(reset.status, 204);
      assert.deepEqual((await get('/beta/users')).value, []);
      const reseed = await fetch(`${server.url}/_pfxstore/reset?reseed=true`, { method: 'POST', headers, dispatcher: ca });
      assert.equal(reseed.status, 204);
      assert.deepEqual((await get('/beta/users?$orderby=userPrincipalName')).value.map((u: { userPrincipalName: string }) => u.userPrincipalName),
        ['alice@contoso.com', 'bob@contoso.com']);
      assert.equal((await get(`${CERTS}/${certId}`)).id, certId);
    } finally {
      await ca.close();
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });
});
