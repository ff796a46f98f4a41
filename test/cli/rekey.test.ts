import assert from 'node:assert/strict';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CertificateApi, type UserPfxCertificate } from '../../src/client/certificates.js';
import { GraphClient } from '../../src/client/graph-client.js';
import { decodePassword, decryptPassword } from '../../src/pfx/index.js';
import { BatchProxy } from '../helpers/batch-proxy.js';
import { openssl } from '../helpers/openssl.js';
import { postgresTestDb } from '../helpers/postgres.js';
import { type CliServer, EXPORT_ROLES, type MadePfx, PfxFactory, runCli, runKilledAfter, startCliServer } from './harness.js';

const PASSWORD = 'rekey-pass é';
const PROVIDER = 'Microsoft Software Key Storage Provider';
const OLD_NAME = 'PFXEncryptionKey';
const NEW_NAME = 'PFXEncryptionKey2027';
const db = await postgresTestDb(import.meta.url);

interface JsonResult {
  id: string;
  userPrincipalName: string;
  thumbprint: string;
  outcome: string;
  reason?: string;
  from?: { providerName: string; keyName: string; paddingScheme: string };
  to?: { providerName: string; keyName: string; paddingScheme: string };
}

/** OLD is the factory's connector key; NEW and OTHER are two more, made by OpenSSL. */
interface Keys {
  readonly f: PfxFactory;
  readonly pfx: MadePfx;
  readonly newKey: string;
  readonly newPub: string;
  readonly otherKey: string;
  readonly otherPub: string;
  /** OLD's private key and NEW's public key as the connector's CNG blobs (`pfxstore key convert`). */
  readonly oldCng: string;
  readonly newPubCng: string;
}

let keys: Keys;
before(async () => {
  const f = await PfxFactory.create();
  const [pfx, newKey, otherKey] = await Promise.all([f.pfx('rekey', { password: PASSWORD }), f.ws.rsaKey('new', 2048), f.ws.rsaKey('other', 2048)]);
  const [newPub, otherPub] = [f.path('new.pub.pem'), f.path('other.pub.pem')];
  await Promise.all([openssl(['pkey', '-in', newKey, '-pubout', '-out', newPub]), openssl(['pkey', '-in', otherKey, '-pubout', '-out', otherPub])]);
  const [oldCng, newPubCng] = [f.path('old.private.cngblob'), f.path('new.public.cngblob')];
  for (const args of [[f.connectorKey, '--to', 'cng', '--out', oldCng], [newKey, '--to', 'cng', '--public', '--out', newPubCng]]) {
    const r = await runCli(['key', 'convert', ...args]);
    assert.equal(r.code, 0, r.stderr);
  }
  keys = { f, pfx, newKey, newPub, otherKey, otherPub, oldCng, newPubCng };
});
after(async () => {
  await Promise.all([keys?.f.cleanup(), db.cleanup()]);
});

const privateKey = (path: string): KeyObject => createPrivateKey(readFileSync(path));
/** Whether the record's password decrypts with this key and its paddingScheme, to the PFX password. */
const decryptsWith = (record: UserPfxCertificate, key: KeyObject): boolean => {
  try {
    return decodePassword(decryptPassword(Buffer.from(record.encryptedPfxPassword!, 'base64'), key, record.paddingScheme)) === PASSWORD;
  } catch {
    return false;
  }
};
const rekeyFlags = (...extra: string[]) => [
  'rekey', '--private-key', keys.f.connectorKey, '--public-key', keys.newPub, '--provider-name', PROVIDER, '--key-name', NEW_NAME, ...extra,
];
const jsonLines = (stdout: string): JsonResult[] => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonResult);
const byUpn = (results: JsonResult[]) => Object.fromEntries(results.map((r) => [r.userPrincipalName, r]));

/** A server for one group of tests, with an export-role token for the CLI and an API client that sees secrets. */
interface Setup {
  readonly srv: CliServer;
  readonly exportEnv: Record<string, string>;
  readonly api: CertificateApi;
  /** Imports the factory's PFX for these users under a key (OLD by default) and key name; returns their ids by UPN. */
  importFor(upns: readonly string[], options?: { pub?: string; keyName?: string; padding?: string }): Promise<Record<string, string>>;
  /** Every record, with its secrets, by UPN. */
  records(): Promise<Record<string, UserPfxCertificate>>;
  stop(): Promise<void>;
}

async function setUp(serverArgs: string[]): Promise<Setup> {
  const srv = await startCliServer(serverArgs);
  const token = await srv.server.token({ roles: EXPORT_ROLES });
  const client = new GraphClient({ baseUrl: srv.baseUrl, token, extraCaPem: srv.server.caPath ? readFileSync(srv.server.caPath, 'utf8') : undefined });
  const api = new CertificateApi(client);
  const exportEnv = { ...srv.env, PFXSTORE_TOKEN: token };
  return {
    srv, exportEnv, api,
    async importFor(upns, options = {}) {
      // One manifest: the same PFX for each user (distinct owners make distinct records); users are created on the way.
      const manifest = await keys.f.write(`m-${upns[0]}.csv`, `path,upn\n${upns.map((u) => `${keys.pfx.path},${u}`).join('\n')}\n`);
      const r = await runCli(['import', '--manifest', manifest, '--json', '--concurrency', '8', '--password-env', 'PFX_PASS',
        '--public-key', options.pub ?? keys.f.connectorPub, '--provider-name', PROVIDER, '--key-name', options.keyName ?? OLD_NAME,
        '--padding', options.padding ?? 'oaepSha512'], { env: { ...srv.env, PFX_PASS: PASSWORD } });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const { results } = JSON.parse(r.stdout) as { results: { upn: string; id: string; outcome: string }[] };
      assert.ok(results.every((x) => x.outcome === 'imported'), r.stdout);
      return Object.fromEntries(results.map((x) => [x.upn, x.id]));
    },
    async records() {
      const all: UserPfxCertificate[] = [];
      for await (const record of api.listWithSecrets()) all.push(record);
      return Object.fromEntries(all.map((r) => [r.userPrincipalName, r]));
    },
    async stop() {
      client.close();
      await srv.stop();
    },
  };
}

for (const store of ['SQLite', 'PostgreSQL'] as const) {
  const skip = store === 'PostgreSQL' ? db.skip : false;
  const serverArgs = () => (store === 'PostgreSQL' ? ['--db', db.urlFor(db.newSchema())] : []);

  describe(`pfxstore rekey on ${store}`, { skip }, () => {
    let s: Setup;
    let ids: Record<string, string>;
    let original: Record<string, UserPfxCertificate>;
    const USERS = ['ann@contoso.com', 'ben@contoso.com', 'cat@contoso.com'];
    const OTHER = 'dan@contoso.com';
    const NAMED = 'eve@contoso.com';

    before(async () => {
      s = await setUp(serverArgs());
      ids = {
        ...await s.importFor(USERS.slice(0, 2)),
        ...await s.importFor(USERS.slice(2), { padding: 'oaepSha384' }),
        // Under another key: fails, left unchanged.
        ...await s.importFor([OTHER], { pub: keys.otherPub }),
        // Under OLD, but already naming the new key (a mistaken import): still rekeyed, since it decrypts with OLD.
        ...await s.importFor([NAMED], { keyName: NEW_NAME }),
      };
      original = await s.records();
    });
    after(async () => {
      await s?.stop();
    });

    it('--dry-run lists what would change and the record that would fail, and changes nothing (exit 1); CNG blobs as keys', async () => {
      const r = await runCli(rekeyFlags('--dry-run', '--padding', 'oaepSha256'), { env: s.exportEnv });
      assert.equal(r.code, 1, r.stderr);
      for (const upn of [...USERS, NAMED]) {
        const from = original[upn]!;
        assert.ok(r.stdout.includes(`would rekey ${ids[upn]} (${upn}): ${from.keyName} (${PROVIDER}, ${from.paddingScheme}) → ${NEW_NAME} (${PROVIDER}, oaepSha256)\n`), r.stdout);
      }
      assert.match(r.stdout, /^would rekey 4 · skipped 0 · failed 1$/m);
      assert.ok(r.stdout.includes(`failures:\n  ${ids[OTHER]} (${OTHER}): the password does not decrypt with --private-key and oaepSha512: it is under another key\n`), r.stdout);
      assert.deepEqual(await s.records(), original);

      // The keys as the connector's CNG blobs this time.
      const json = await runCli(['rekey', '--private-key', keys.oldCng, '--public-key', keys.newPubCng, '--provider-name', PROVIDER,
        '--key-name', NEW_NAME, '--dry-run', '--json'], { env: s.exportEnv });
      assert.equal(json.code, 1, json.stderr);
      const results = byUpn(jsonLines(json.stdout));
      assert.equal(results[USERS[2]!]!.outcome, 'would-rekey');
      assert.deepEqual(results[USERS[2]!]!.to, { providerName: PROVIDER, keyName: NEW_NAME, paddingScheme: 'oaepSha384' }); // its own padding kept
      assert.equal(results[OTHER]!.outcome, 'failed');
      assert.match(json.stderr, /^would rekey 4 · skipped 0 · failed 1$/m);
      assert.deepEqual(await s.records(), original);
    });

    it('rekeys every record under OLD: decrypts with NEW, not with OLD; blob unchanged; the other key\'s record reported and left alone', async () => {
      const r = await runCli(rekeyFlags('--padding', 'oaepSha256'), { env: s.exportEnv });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /^rekeyed 4 · skipped 0 · failed 1$/m);
      assert.ok(r.stdout.includes(`  ${ids[OTHER]} (${OTHER}): the password does not decrypt with --private-key and oaepSha512: it is under another key\n`), r.stdout);
      // Not a terminal: no bar, the failure printed plainly on stderr as it happened.
      assert.ok(r.stderr.includes(`failed: ${ids[OTHER]} (${OTHER}): `), r.stderr);

      const now = await s.records();
      const [oldKey, newKey] = [privateKey(keys.f.connectorKey), privateKey(keys.newKey)];
      for (const upn of [...USERS, NAMED]) {
        const record = now[upn]!;
        assert.equal(record.id, ids[upn]);
        assert.ok(decryptsWith(record, newKey), upn);
        assert.ok(!decryptsWith(record, oldKey), upn);
        assert.deepEqual([record.providerName, record.keyName, record.paddingScheme], [PROVIDER, NEW_NAME, 'oaepSha256']);
        assert.equal(record.encryptedPfxBlob, original[upn]!.encryptedPfxBlob);
        assert.deepEqual({ ...record, encryptedPfxPassword: '', keyName: '', paddingScheme: '', lastModifiedDateTime: '' },
          { ...original[upn]!, encryptedPfxPassword: '', keyName: '', paddingScheme: '', lastModifiedDateTime: '' });
      }
      // OpenSSL decrypts one with NEW (RSA-OAEP, SHA-256 for OAEP and MGF1) to the PFX password's Latin-1 bytes.
      const plain = await keys.f.ws.oaepDecrypt(keys.newKey, Buffer.from(now[USERS[0]!]!.encryptedPfxPassword!, 'base64'), 'sha256');
      assert.deepEqual(plain, Buffer.from(PASSWORD, 'latin1'));
      assert.deepEqual(now[OTHER], original[OTHER]);

      const verified = await runCli(['verify', ids[USERS[1]!]!, '--private-key', keys.newKey], { env: s.exportEnv });
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      assert.match(verified.stdout, /^ok +password: decrypts with this private key \(oaepSha256\)$/m);
    });

    it('a rerun skips what is done: by name without --new-private-key, by decryption with it (dev-mode token)', async () => {
      const done = await s.records();
      const byName = await runCli(rekeyFlags('--json'), { env: s.exportEnv });
      assert.equal(byName.code, 1, byName.stderr);
      const first = byUpn(jsonLines(byName.stdout));
      for (const upn of [...USERS, NAMED]) {
        assert.deepEqual(first[upn], { id: ids[upn], userPrincipalName: upn, thumbprint: keys.pfx.thumbprint, outcome: 'skipped',
          reason: `already names ${NEW_NAME} (${PROVIDER}) and does not decrypt with --private-key` });
      }
      assert.equal(first[OTHER]!.outcome, 'failed');
      assert.match(byName.stderr, /^rekeyed 0 · skipped 4 · failed 1$/m);

      const byKey = await runCli(rekeyFlags('--json', '--new-private-key', keys.newKey), { env: s.srv.devEnv });
      assert.equal(byKey.code, 1, byKey.stderr);
      const second = byUpn(jsonLines(byKey.stdout));
      for (const upn of [...USERS, NAMED]) assert.equal(second[upn]!.reason, 'already under the new key (its password decrypts with --new-private-key)');
      assert.deepEqual(await s.records(), done);
    });

    it('--only-key-name and --upn select; --new-private-key checks each ciphertext; paging is not upset by the PATCHes', async () => {
      const paged = Array.from({ length: 7 }, (_, i) => `page${i}@contoso.com`);
      const pagedIds = await s.importFor(paged, { keyName: 'PagedKey' });
      const single = await s.importFor(['solo@contoso.com', 'duo@contoso.com'], { keyName: 'SoloKey' });

      const one = await runCli(rekeyFlags('--json', '--only-key-name', 'SoloKey', '--upn', 'SOLO@contoso.com'), { env: s.exportEnv });
      assert.equal(one.code, 0, one.stderr);
      assert.deepEqual(jsonLines(one.stdout).map((r) => [r.id, r.outcome]), [[single['solo@contoso.com'], 'rekeyed']]);

      // Each PATCH makes its record leave the --only-key-name selection while later pages are still to come.
      const r = await runCli(rekeyFlags('--json', '--only-key-name', 'PagedKey', '--page-size', '2', '--concurrency', '3', '--new-private-key', keys.newKey),
        { env: s.exportEnv });
      assert.equal(r.code, 0, r.stderr);
      const results = jsonLines(r.stdout);
      assert.deepEqual(results.map((x) => x.id).sort(), Object.values(pagedIds).sort());
      assert.ok(results.every((x) => x.outcome === 'rekeyed'));
      const now = await s.records();
      const newKey = privateKey(keys.newKey);
      for (const upn of paged) assert.ok(decryptsWith(now[upn]!, newKey) && now[upn]!.keyName === NEW_NAME, upn);
      assert.equal(now['duo@contoso.com']!.keyName, 'SoloKey');
    });

    it('the server pages by its insertion sequence: patching each record before the next page neither skips nor repeats one', async () => {
      const upns = Array.from({ length: 7 }, (_, i) => `seq${i}@contoso.com`);
      const created = await s.importFor(upns, { keyName: 'SeqKey' });
      const seen: string[] = [];
      for await (const record of s.api.listWithSecrets({ keyName: 'SeqKey' }, 2)) {
        seen.push(record.id);
        const { encryptedPfxPassword, providerName, paddingScheme } = record;
        await s.api.changePassword(record.id, { encryptedPfxPassword: encryptedPfxPassword!, providerName, paddingScheme, keyName: 'Moved' });
      }
      assert.deepEqual(seen.sort(), Object.values(created).sort());
    });
  });

  describe(`pfxstore rekey killed mid-way and run again, on ${store}`, { skip }, () => {
    const COUNT = 200;
    const KILL_AFTER = 60;
    let s: Setup;
    let ids: string[];

    before(async () => {
      s = await setUp(serverArgs());
      ids = Object.values(await s.importFor(Array.from({ length: COUNT }, (_, i) => `crash${String(i).padStart(3, '0')}@contoso.com`)));
      assert.equal(ids.length, COUNT);
    });
    after(async () => {
      await s?.stop();
    });

    it(`SIGKILL after ${KILL_AFTER} results, then a rerun: all ${COUNT} under NEW, none under OLD, none lost, one Patch event each`, async () => {
      const lines = await runKilledAfter<JsonResult>(rekeyFlags('--json', '--page-size', '25'), { env: s.exportEnv }, KILL_AFTER);
      assert.ok(lines.length >= KILL_AFTER && lines.length < COUNT, `${lines.length} results`);
      assert.ok(lines.every((l) => l.outcome === 'rekeyed'));

      const rerun = await runCli(rekeyFlags('--json', '--page-size', '25'), { env: s.exportEnv });
      assert.equal(rerun.code, 0, rerun.stderr);
      const results = jsonLines(rerun.stdout);
      assert.equal(results.length, COUNT);
      const skipped = results.filter((r) => r.outcome === 'skipped');
      const rekeyed = results.filter((r) => r.outcome === 'rekeyed');
      assert.ok(rekeyed.length > 0, 'the rerun finished the rest');
      assert.equal(skipped.length + rekeyed.length, COUNT);
      // What the first run reported done is skipped now (and perhaps a few it had done without reporting yet).
      assert.ok(lines.every((l) => skipped.some((r) => r.id === l.id)));

      const records = Object.values(await s.records());
      assert.deepEqual(records.map((r) => r.id).sort(), [...ids].sort());
      const [oldKey, newKey] = [privateKey(keys.f.connectorKey), privateKey(keys.newKey)];
      assert.deepEqual(records.filter((r) => !decryptsWith(r, newKey)).map((r) => r.id), []);
      assert.deepEqual(records.filter((r) => decryptsWith(r, oldKey)).map((r) => r.id), []);

      const audit = await runCli(['audit', '--json'], { env: s.srv.env });
      assert.equal(audit.code, 0, audit.stderr);
      const patches = new Map<string, number>();
      for (const event of JSON.parse(audit.stdout) as { activityOperationType: string; resources: { resourceId: string }[] }[]) {
        if (event.activityOperationType !== 'Patch') continue;
        for (const { resourceId } of event.resources) patches.set(resourceId, (patches.get(resourceId) ?? 0) + 1);
      }
      assert.deepEqual([...patches.keys()].sort(), [...ids].sort());
      assert.deepEqual([...patches.entries()].filter(([, n]) => n !== 1), []);
    });
  });
}

describe('pfxstore rekey: PATCHes in $batch requests, a throttled one retried, a refused one failed', () => {
  let s: Setup;
  let proxy: BatchProxy;
  let env: Record<string, string>;
  let ids: Record<string, string>;
  const UPNS = Array.from({ length: 45 }, (_, i) => `batched${String(i).padStart(2, '0')}@contoso.com`);
  const [THROTTLED, REFUSED] = [UPNS[7]!, UPNS[30]!];

  before(async () => {
    s = await setUp(['--http']);
    ids = await s.importFor(UPNS);
    proxy = new BatchProxy(new URL(s.srv.server.url));
    env = { PFXSTORE_URL: `${await proxy.start()}/beta`, PFXSTORE_TOKEN: s.exportEnv.PFXSTORE_TOKEN! };
  });
  after(async () => {
    await Promise.all([proxy?.stop(), s?.stop()]);
  });

  it('45 records in batches of 20; a 429 (Retry-After) is retried and rekeyed; another status fails its record with the server\'s message', async () => {
    const original = await s.records();
    proxy.reset({ sub: (r, nth) => (r.url.endsWith(ids[THROTTLED]!) && nth === 1 ? { status: 429, retryAfter: '1' }
      : r.url.endsWith(ids[REFUSED]!) ? { status: 400, code: 'BadRequest', message: 'refused by the test proxy' } : 'forward') });
    const r = await runCli(rekeyFlags('--concurrency', '2'), { env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^rekeyed 44 · skipped 0 · failed 1 \(1 retries\)$/m);
    assert.ok(r.stdout.includes(`failures:\n  ${ids[REFUSED]} (${REFUSED}): the server answered 400 BadRequest: refused by the test proxy\n`), r.stdout);
    const sizes = proxy.batches.map((b) => b.length);
    assert.ok(sizes.every((n) => n <= 20) && sizes.filter((n) => n === 20).length >= 2, `batch sizes ${sizes.join(', ')}`);
    assert.equal(sizes.reduce((a, b) => a + b), 46, 'each record once, the throttled one twice');
    assert.ok(proxy.mostInFlight <= 2, `${proxy.mostInFlight} batches in flight`);

    const now = await s.records();
    const newKey = privateKey(keys.newKey);
    assert.deepEqual(UPNS.filter((u) => !decryptsWith(now[u]!, newKey)), [REFUSED]);
    assert.deepEqual(now[REFUSED], original[REFUSED]);
    const audit = await runCli(['audit', '--json'], { env: s.srv.env });
    const patched = (JSON.parse(audit.stdout) as { activityOperationType: string; resources: { resourceId: string }[] }[])
      .filter((e) => e.activityOperationType === 'Patch').map((e) => e.resources[0]!.resourceId);
    assert.deepEqual(patched.filter((id) => id === ids[THROTTLED]), [ids[THROTTLED]], 'the throttled record: one PATCH, its retry');
    assert.equal(patched.length, 44);
  });
});

describe('pfxstore rekey: no secrets, usage errors', () => {
  let s: Setup;
  let cwd: string;
  before(async () => {
    [s, cwd] = await Promise.all([setUp([]), mkdtemp(join(tmpdir(), 'pfxstore-rekey-'))]);
    await s.importFor(['zed@contoso.com']);
  });
  after(async () => {
    await Promise.all([s?.stop(), rm(cwd, { recursive: true, force: true })]);
  });

  it('without the export role (as against Microsoft Graph) it stops before any change and points to import --update', async () => {
    const unchanged = await s.records();
    const r = await runCli(rekeyFlags(), { env: s.srv.env });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^pfxstore rekey: the server returned no encryptedPfxPassword: rotation needs the records' secrets/);
    assert.match(r.stderr, /export role UserPfxCertificate\.Export\.All/);
    assert.match(r.stderr, /Nothing was changed\..*pfxstore import FILE\.pfx --update --public-key NEW/);
    assert.deepEqual(await s.records(), unchanged);
  });

  it('a selection that matches nothing says so and changes nothing (exit 0)', async () => {
    const r = await runCli(rekeyFlags('--only-key-name', 'NoSuchKey'), { env: s.exportEnv });
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', 'no certificates match; nothing rekeyed\n']);
  });

  it('usage errors exit 2 with the usage: missing flags named at once, bad values, keys that do not fit together', async () => {
    const cases: [string[], RegExp][] = [
      [['rekey'], /missing: --private-key; --public-key; --provider-name; --key-name\./],
      [['rekey', '--public-key', keys.newPub, '--key-name', 'K'], /missing: --private-key; --provider-name\./],
      [rekeyFlags('--padding', 'oaepSha1'), /--padding: padding scheme oaepSha1 is refused: OAEP with SHA-1 is deprecated/],
      [rekeyFlags('--padding', 'rot13'), /--padding: unknown padding scheme "rot13"/],
      [rekeyFlags('--concurrency', '0'), /--concurrency must be a whole number from 1 to 64, not '0'/],
      [rekeyFlags('--concurrency', '65'), /--concurrency must be a whole number from 1 to 64, not '65'/],
      [rekeyFlags('--page-size', '0'), /--page-size must be a whole number from 1 to 1000, not '0'/],
      [rekeyFlags('extra'), /Unexpected argument 'extra'/],
      [rekeyFlags('--new-private-key', keys.otherKey), /--new-private-key .*other\.key\.pem is not the private half of --public-key .*new\.pub\.pem \(their moduli differ\)/],
      [['rekey', '--private-key', keys.f.connectorKey, '--public-key', keys.f.connectorPub, '--provider-name', 'P', '--key-name', 'K'],
        /--public-key .*connector\.pub\.pem is the public half of --private-key .*: give the new key's public half/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { cwd });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^Usage: pfxstore rekey --private-key OLD --public-key NEW /m);
    }
  });

  it('a key file that is missing or not a key is exit 1, named', async () => {
    const missing = await runCli(['rekey', '--private-key', join(cwd, 'nope.pem'), '--public-key', keys.newPub, '--provider-name', 'P', '--key-name', 'K'], { cwd });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^pfxstore rekey: --private-key .*nope\.pem: no such file$/m);
    const notPublic = await runCli(['rekey', '--private-key', keys.f.connectorKey, '--public-key', keys.newKey, '--provider-name', 'P', '--key-name', 'K'], { cwd });
    assert.equal(notPublic.code, 1);
    assert.match(notPublic.stderr, /^pfxstore rekey: --public-key .*new\.key\.pem: this is a private key/m);
  });
});
