import assert from 'node:assert/strict';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CertificateApi, type UserPfxCertificate } from '../../src/client/certificates.js';
import { GraphClient, GraphRequestError } from '../../src/client/graph-client.js';
import { UserApi } from '../../src/client/users.js';
import { runPool } from '../../src/cli/pool.js';
import { decodePassword, decryptPassword } from '../../src/pfx/index.js';
import { FlakyProxy } from '../helpers/flaky-proxy.js';
import { openssl } from '../helpers/openssl.js';
import { type CliServer, EXPORT_ROLES, type MadePfx, PfxFactory, runCli, runKilledAfter, spawnCliServer, startCliServer } from './harness.js';

const PASSWORD = 'push-pass é';
const PROVIDER = 'Microsoft Software Key Storage Provider';
const SOURCE_NAME = 'PFXEncryptionKey';
const TARGET_NAME = 'IntunePfxKey';

interface JsonResult {
  id: string;
  userPrincipalName: string;
  thumbprint: string;
  outcome: string;
  reason?: string;
  targetId?: string;
  to?: { providerName: string; keyName: string; paddingScheme: string };
}

/** The source's connector key is the factory's; the target's and another one are made by OpenSSL. */
interface Keys {
  readonly f: PfxFactory;
  readonly pfx: MadePfx;
  readonly pfx2: MadePfx;
  readonly targetKey: string;
  readonly targetPub: string;
  readonly otherPub: string;
}

let keys: Keys;
before(async () => {
  const f = await PfxFactory.create();
  const [pfx, pfx2, targetKey, otherKey] = await Promise.all([f.pfx('push-1', { password: PASSWORD }), f.pfx('push-2', { password: PASSWORD }),
    f.ws.rsaKey('target', 2048), f.ws.rsaKey('other', 2048)]);
  const [targetPub, otherPub] = [f.path('target.pub.pem'), f.path('other.pub.pem')];
  await Promise.all([openssl(['pkey', '-in', targetKey, '-pubout', '-out', targetPub]), openssl(['pkey', '-in', otherKey, '-pubout', '-out', otherPub])]);
  keys = { f, pfx, pfx2, targetKey, targetPub, otherPub };
});
after(async () => {
  await keys?.f.cleanup();
});

const privateKey = (path: string): KeyObject => createPrivateKey(readFileSync(path));
const decryptsWith = (record: UserPfxCertificate, key: KeyObject): boolean => {
  try {
    return decodePassword(decryptPassword(Buffer.from(record.encryptedPfxPassword!, 'base64'), key, record.paddingScheme)) === PASSWORD;
  } catch {
    return false;
  }
};
const jsonLines = (stdout: string): JsonResult[] => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonResult);

/** One pfxstore server, with an export-role token and API clients that see secrets. */
interface Side {
  readonly srv: CliServer;
  readonly token: string;
  readonly api: CertificateApi;
  readonly users: UserApi;
  /** Every record, with its secrets. */
  records(): Promise<UserPfxCertificate[]>;
}

/** The source runs in the test's process; the target, as a real Intune would, in a process of its own. */
async function side(args: string[], start: (args: string[]) => Promise<CliServer> = startCliServer): Promise<Side> {
  const srv = await start(args);
  const token = await srv.server.token({ roles: EXPORT_ROLES });
  const extraCaPem = srv.server.caPath ? readFileSync(srv.server.caPath, 'utf8') : undefined;
  const client = new GraphClient({ baseUrl: srv.baseUrl, token, extraCaPem, maxConnections: 8 });
  const api = new CertificateApi(client);
  return {
    srv, token, api, users: new UserApi(client),
    async records() {
      const all: UserPfxCertificate[] = [];
      for await (const record of api.listWithSecrets()) all.push(record);
      return all;
    },
  };
}

/** A source and a target, each a real pfxstore; the CLI's environment points at the source and names the target's token. */
interface Pair {
  readonly source: Side;
  readonly target: Side;
  /** The source with an export-role token, and TARGET_TOKEN. */
  readonly env: Record<string, string>;
  /** Imports a PFX (the first one by default) for these users on the source; returns their ids by UPN. */
  importFor(upns: readonly string[], options?: { pfx?: MadePfx; pub?: string; padding?: string }): Promise<Record<string, string>>;
  addTargetUsers(upns: readonly string[]): Promise<void>;
  /** `push` to the target (or `to`, a proxy in front of it) with the target key, and `extra` flags. */
  flags(...extra: string[]): string[];
  flagsTo(to: string, ...extra: string[]): string[];
  stop(): Promise<void>;
}

async function pair(targetArgs: string[] = []): Promise<Pair> {
  const [source, target] = await Promise.all([side([]), side(targetArgs, spawnCliServer)]);
  const env = { ...source.srv.env, PFXSTORE_TOKEN: source.token, TARGET_TOKEN: target.token };
  const flagsTo = (to: string, ...extra: string[]) => ['push', '--to', to, '--to-token-env', 'TARGET_TOKEN',
    ...(target.srv.server.caPath ? ['--to-ca', target.srv.server.caPath] : []),
    '--private-key', keys.f.connectorKey, '--public-key', keys.targetPub, '--provider-name', PROVIDER, '--key-name', TARGET_NAME, ...extra];
  return {
    source, target, env,
    async importFor(upns, options = {}) {
      const manifest = await keys.f.write(`m-${upns[0]}-${upns.length}.csv`, `path,upn\n${upns.map((u) => `${(options.pfx ?? keys.pfx).path},${u}`).join('\n')}\n`);
      const r = await runCli(['import', '--manifest', manifest, '--json', '--concurrency', '8', '--password-env', 'PFX_PASS',
        '--public-key', options.pub ?? keys.f.connectorPub, '--provider-name', PROVIDER, '--key-name', SOURCE_NAME,
        '--padding', options.padding ?? 'oaepSha512'], { env: { ...source.srv.env, PFX_PASS: PASSWORD } });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const { results } = JSON.parse(r.stdout) as { results: { upn: string; id: string; outcome: string }[] };
      assert.ok(results.every((x) => x.outcome === 'imported'), r.stdout);
      return Object.fromEntries(results.map((x) => [x.upn, x.id]));
    },
    async addTargetUsers(upns) {
      await runPool(upns, 8, async (upn) => {
        await target.users.create({ userPrincipalName: upn, displayName: upn.split('@')[0]!, accountEnabled: true });
      });
    },
    flags: (...extra) => flagsTo(target.srv.baseUrl, ...extra),
    flagsTo,
    async stop() {
      source.api.client.close();
      target.api.client.close();
      await Promise.all([source.srv.stop(), target.srv.stop()]);
    },
  };
}

/** The target's records by UPN and thumbprint, each key with every record it has (exactly-once checks). */
function byOwner(records: readonly UserPfxCertificate[]): Map<string, UserPfxCertificate[]> {
  const map = new Map<string, UserPfxCertificate[]>();
  for (const r of records) {
    const key = `${r.userPrincipalName}/${r.thumbprint}`;
    map.set(key, [...(map.get(key) ?? []), r]);
  }
  return map;
}

/** Every source record is on the target exactly once, a copy but for the password fields, under the target key. */
function assertCopied(source: readonly UserPfxCertificate[], target: readonly UserPfxCertificate[]): void {
  const there = byOwner(target);
  const targetKey = privateKey(keys.targetKey);
  const sourceKey = privateKey(keys.f.connectorKey);
  for (const record of source) {
    const copies = there.get(`${record.userPrincipalName}/${record.thumbprint}`) ?? [];
    assert.equal(copies.length, 1, `${record.userPrincipalName}: ${copies.length} copies on the target`);
    const copy = copies[0]!;
    assert.equal(copy.encryptedPfxBlob, record.encryptedPfxBlob, 'the PFX blob is copied byte for byte');
    for (const p of ['intendedPurpose', 'startDateTime', 'expirationDateTime', 'paddingScheme'] as const) assert.equal(copy[p], record[p], p);
    assert.deepEqual([copy.providerName, copy.keyName], [PROVIDER, TARGET_NAME]);
    assert.ok(decryptsWith(copy, targetKey), `${record.userPrincipalName}: decrypts with the target key`);
    assert.ok(!decryptsWith(copy, sourceKey), `${record.userPrincipalName}: not with the source key`);
  }
}

describe('pfxstore push: pfxstore → pfxstore', () => {
  let p: Pair;
  let ids: Record<string, string>;
  let ann2: string;
  const [ANN, BEN, CAT] = ['ann@contoso.com', 'ben@contoso.com', 'cat@contoso.com'];
  /** No such user on the target. */
  const MISSING = 'nobody@contoso.com';
  /** Under another key on the source. */
  const OTHER = 'dan@contoso.com';

  before(async () => {
    p = await pair();
    ids = {
      ...await p.importFor([ANN, BEN, MISSING]),
      ...await p.importFor([CAT], { padding: 'oaepSha384' }),
      ...await p.importFor([OTHER], { pub: keys.otherPub }),
    };
    ann2 = (await p.importFor([ANN], { pfx: keys.pfx2 }))[ANN]!;
    await p.addTargetUsers([ANN, BEN, CAT, OTHER]);
  });
  after(async () => {
    await p?.stop();
  });

  const missingReason = `no user '${MISSING}' on the target; it is not created there: add the user, then push again`;
  const otherReason = 'the password does not decrypt with --private-key and oaepSha512: it is under another key';

  it('--dry-run looks everything up, lists what would be created and the failures (exit 1), and creates nothing', async () => {
    const r = await runCli(p.flags('--dry-run'), { env: p.env });
    assert.equal(r.code, 1, r.stderr);
    for (const [id, upn, padding] of [[ids[ANN], ANN, 'oaepSha512'], [ann2, ANN, 'oaepSha512'], [ids[BEN], BEN, 'oaepSha512'], [ids[CAT], CAT, 'oaepSha384']]) {
      assert.ok(r.stdout.includes(`would push ${id} (${upn}): its password for ${TARGET_NAME} (${PROVIDER}, ${padding})\n`), r.stdout);
    }
    assert.match(r.stdout, /^would push 4 · skipped 0 · failed 2$/m);
    assert.ok(r.stdout.includes(`  ${ids[MISSING]} (${MISSING}): ${missingReason}\n`), r.stdout);
    assert.ok(r.stdout.includes(`  ${ids[OTHER]} (${OTHER}): ${otherReason}\n`), r.stdout);
    assert.deepEqual(await p.target.records(), []);
  });

  it('--upn pushes one user\'s records (--json: a line each, with the id on the target)', async () => {
    const r = await runCli(p.flags('--upn', 'ANN@contoso.com', '--json'), { env: p.env });
    assert.equal(r.code, 0, r.stderr);
    const results = jsonLines(r.stdout);
    assert.deepEqual(results.map((x) => [x.id, x.outcome]).sort(), [[ids[ANN], 'pushed'], [ann2, 'pushed']].sort());
    const there = await p.target.records();
    assert.deepEqual(results.map((x) => x.targetId).sort(), there.map((x) => x.id).sort());
    assert.deepEqual(results.find((x) => x.id === ann2)!.to, { providerName: PROVIDER, keyName: TARGET_NAME, paddingScheme: 'oaepSha512' });
    assert.match(r.stderr, /^pushed 2 · skipped 0 · failed 0$/m);
  });

  it('pushes the rest: each record once, the same blob, its password for the target key; the missing user reported, not created', async () => {
    const r = await runCli(p.flags(), { env: p.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^pushed 2 · skipped 2 · failed 2$/m);
    assert.ok(r.stdout.includes('failures:\n'), r.stdout);
    assert.ok(r.stdout.includes(`  ${ids[MISSING]} (${MISSING}): ${missingReason}\n`), r.stdout);
    assert.ok(r.stdout.includes(`  ${ids[OTHER]} (${OTHER}): ${otherReason}\n`), r.stdout);
    // Not a terminal: no bar, each failure printed plainly on stderr as it happened.
    assert.ok(r.stderr.includes(`failed: ${ids[MISSING]} (${MISSING}): `), r.stderr);

    const source = await p.source.records();
    const target = await p.target.records();
    assertCopied(source.filter((x) => x.userPrincipalName !== MISSING && x.userPrincipalName !== OTHER), target);
    assert.equal(target.length, 4);
    assert.deepEqual([...await collect(p.target.users.list(MISSING))], [], 'the missing user is not created on the target');

    // The target's own verify, with the target's private key, and OpenSSL, agree.
    const cat = target.find((x) => x.userPrincipalName === CAT)!;
    const verified = await runCli(['verify', cat.id, '--private-key', keys.targetKey], { env: { ...p.target.srv.env, PFXSTORE_TOKEN: p.target.token } });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /^ok +password: decrypts with this private key \(oaepSha384\)$/m);
    const plain = await keys.f.ws.oaepDecrypt(keys.targetKey, Buffer.from(cat.encryptedPfxPassword!, 'base64'), 'sha384');
    assert.deepEqual(plain, Buffer.from(PASSWORD, 'latin1'));
  });

  it('a rerun pushes nothing (a dev-mode source token); once the user exists on the target, only its record goes', async () => {
    const before = await p.target.records();
    const again = await runCli(p.flags('--json'), { env: { ...p.source.srv.devEnv, TARGET_TOKEN: p.target.token } });
    assert.equal(again.code, 1, again.stderr);
    const results = jsonLines(again.stdout);
    const byId = new Map(before.map((x) => [`${x.userPrincipalName}/${x.thumbprint}`, x.id]));
    for (const x of results.filter((y) => y.outcome === 'skipped')) {
      assert.equal(x.targetId, byId.get(`${x.userPrincipalName}/${x.thumbprint}`));
      assert.equal(x.reason, 'the target has this user and thumbprint already');
    }
    assert.match(again.stderr, /^pushed 0 · skipped 4 · failed 2$/m);
    assert.deepEqual(await p.target.records(), before);

    await p.addTargetUsers([MISSING]);
    const last = await runCli(p.flags(), { env: p.env });
    assert.equal(last.code, 1, last.stderr);
    assert.match(last.stdout, /^pushed 1 · skipped 4 · failed 1$/m);
    assertCopied((await p.source.records()).filter((x) => x.userPrincipalName !== OTHER), await p.target.records());
  });
});

describe('pfxstore push: a throttled target (--throttle intune)', () => {
  const COUNT = 24;
  let p: Pair;

  before(async () => {
    p = await pair(['--throttle', 'intune']);
    const upns = Array.from({ length: COUNT }, (_, i) => `throttled${String(i).padStart(2, '0')}@contoso.com`);
    await p.importFor(upns);
    await p.addTargetUsers(upns);
  });
  after(async () => {
    await p?.stop();
  });

  it('with the window\'s writes used up, every create waits out its 429\'s Retry-After and lands once; retries counted', async () => {
    // Spend the tenant's write budget (200 per 20 s) on requests that change nothing, up to the first 429.
    const filler = new GraphClient({ baseUrl: p.target.srv.baseUrl, token: p.target.token, extraCaPem: readFileSync(p.target.srv.server.caPath!, 'utf8'),
      retry: { maxAttempts: 1 } });
    const started = Date.now();
    try {
      for (let i = 0; ; i++) {
        const status = await filler.delete(`deviceManagement/userPfxCertificates/filler${i}`).then(() => 204, (err: unknown) => {
          if (err instanceof GraphRequestError) return err.status;
          throw err;
        });
        if (status === 429) break;
        assert.ok(i < 400, 'the target never throttled');
      }
    } finally {
      filler.close();
    }
    assert.ok(Date.now() - started < 10_000, 'filling the window took so long that it may end before the push starts');

    const r = await runCli(p.flags(), { env: p.env });
    assert.equal(r.code, 0, r.stderr);
    const summary = /^pushed 24 · skipped 0 · failed 0 \((\d+) retries\)$/m.exec(r.stdout);
    assert.ok(summary, r.stdout);
    assert.ok(Number(summary[1]) >= 1);
    assert.ok(Date.now() - started >= 1000, 'the Retry-After was not waited out');
    const target = await p.target.records();
    assert.equal(target.length, COUNT);
    assertCopied(await p.source.records(), target);
  });
});

describe('pfxstore push: a create whose connection dropped after the target stored it', () => {
  let p: Pair;
  let proxy: FlakyProxy;
  let to: string;
  const UPNS = ['drop1@contoso.com', 'drop2@contoso.com', 'drop3@contoso.com'];

  before(async () => {
    p = await pair(['--http']);
    await p.importFor(UPNS);
    await p.addTargetUsers(UPNS);
    proxy = new FlakyProxy(new URL(p.target.srv.server.url));
    to = `${await proxy.start()}/beta`;
  });
  after(async () => {
    await Promise.all([proxy?.stop(), p?.stop()]);
  });

  it('is sent again, and the 409 that answers means it landed: pushed once, never duplicated', async () => {
    proxy.reset((method, path, nth) => (method === 'POST' && path.endsWith('/userPfxCertificates') && nth === 1 ? 'drop-after' : 'pass'));
    const r = await runCli(p.flagsTo(to, '--json', '--concurrency', '1'), { env: p.env });
    assert.equal(r.code, 0, r.stderr);
    const results = jsonLines(r.stdout);
    assert.deepEqual(results.map((x) => x.outcome), ['pushed', 'pushed', 'pushed']);
    assert.equal(results[0]!.reason, 'the connection dropped after sending; the retry found it created');
    assert.ok(results[0]!.targetId);
    assert.match(r.stderr, /^pushed 3 · skipped 0 · failed 0 \(1 retries\)$/m);
    assert.deepEqual(proxy.log.filter((l) => l.startsWith('POST')), [
      'POST /beta/deviceManagement/userPfxCertificates drop-after', ...Array(3).fill('POST /beta/deviceManagement/userPfxCertificates pass'),
    ]);
    const target = await p.target.records();
    assert.equal(target.length, 3);
    assertCopied(await p.source.records(), target);
  });
});

describe('pfxstore push killed mid-way and run again', () => {
  const COUNT = 200;
  const KILL_AFTER = 50;
  let p: Pair;

  before(async () => {
    p = await pair();
    const upns = Array.from({ length: COUNT }, (_, i) => `crash${String(i).padStart(3, '0')}@contoso.com`);
    await p.importFor(upns);
    await p.addTargetUsers(upns);
  });
  after(async () => {
    await p?.stop();
  });

  it(`SIGKILL after ${KILL_AFTER} results, then a rerun: all ${COUNT} on the target, each exactly once`, async () => {
    const lines = await runKilledAfter<JsonResult>(p.flags('--json', '--page-size', '25'), { env: p.env }, KILL_AFTER);
    assert.ok(lines.length >= KILL_AFTER && lines.length < COUNT, `${lines.length} results`);
    assert.ok(lines.every((l) => l.outcome === 'pushed'));

    const rerun = await runCli(p.flags('--json'), { env: p.env });
    assert.equal(rerun.code, 0, rerun.stderr);
    const results = jsonLines(rerun.stdout);
    assert.equal(results.length, COUNT);
    const skipped = new Set(results.filter((r) => r.outcome === 'skipped').map((r) => r.id));
    assert.equal(skipped.size + results.filter((r) => r.outcome === 'pushed').length, COUNT);
    assert.ok(skipped.size < COUNT, 'the rerun finished the rest');
    // What the first run reported pushed is skipped now (and perhaps a few it had sent without reporting yet).
    assert.deepEqual(lines.filter((l) => !skipped.has(l.id)), []);
    const target = await p.target.records();
    assert.equal(target.length, COUNT);
    assertCopied(await p.source.records(), target);
  });
});

describe('pfxstore push: no secrets, a refused target, usage errors', () => {
  let p: Pair;
  let cwd: string;
  before(async () => {
    [p, cwd] = await Promise.all([pair(), mkdtemp(join(tmpdir(), 'pfxstore-push-'))]);
    await p.importFor(['zed@contoso.com']);
    await p.addTargetUsers(['zed@contoso.com']);
  });
  after(async () => {
    await Promise.all([p?.stop(), rm(cwd, { recursive: true, force: true })]);
  });

  it('a source token without the export role: stops before anything is sent, saying why', async () => {
    const r = await runCli(p.flags(), { env: { ...p.env, PFXSTORE_TOKEN: p.source.srv.env.PFXSTORE_TOKEN } });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^pfxstore push: the source returned no encryptedPfxPassword or encryptedPfxBlob: push copies the records' secrets/);
    assert.match(r.stderr, /export role UserPfxCertificate\.Export\.All .*Nothing was pushed\./);
    assert.deepEqual(await p.target.records(), []);
  });

  it('a target that refuses the token stops the run (exit 1); a selection that matches nothing says so (exit 0)', async () => {
    const refused = await runCli(p.flags(), { env: { ...p.env, TARGET_TOKEN: await p.target.srv.server.token({ roles: [] }) } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^pfxstore push: the target refused the request for \S+ \(zed@contoso\.com\): 40[13] .*; the remaining records were not attempted$/m);
    assert.match(refused.stdout, /^pushed 0 · skipped 0 · failed 0$/m);
    assert.deepEqual(await p.target.records(), []);

    const none = await runCli(p.flags('--upn', 'nobody@contoso.com'), { env: p.env });
    assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', 'no certificates match; nothing pushed\n']);
  });

  it('usage errors exit 2 with the usage: missing flags named at once, bad values, the target token', async () => {
    const cases: [string[], RegExp][] = [
      [['push'], /missing: --to; --to-token or --to-token-env; --private-key; --public-key; --provider-name; --key-name\./],
      [['push', '--to', 'https://graph.example/beta', '--public-key', keys.targetPub, '--key-name', 'K'],
        /missing: --to-token or --to-token-env; --private-key; --provider-name\./],
      [[...p.flags('--to-token', 'T')], /give --to-token or --to-token-env, not both\./],
      [[...p.flags('--to-token-env', 'NO_SUCH_VARIABLE')], /--to-token-env NO_SUCH_VARIABLE: the variable is not set or empty\./],
      [[...p.flags('--to-ca', join(cwd, 'nope.pem'))], /--to-ca .*nope\.pem: no such file\./],
      [p.flags('--padding', 'oaepSha1'), /--padding: padding scheme oaepSha1 is refused/],
      [p.flags('--concurrency', '0'), /--concurrency must be a whole number from 1 to 64, not '0'/],
      [p.flags('--page-size', '1001'), /--page-size must be a whole number from 1 to 1000, not '1001'/],
      [p.flags('extra'), /Unexpected argument 'extra'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { cwd, env: { TARGET_TOKEN: p.target.token } });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^Usage: pfxstore push --to URL /m);
    }
  });

  it('a key file that is missing or not a key is exit 1, named', async () => {
    const flags = p.flags();
    const missing = await runCli(flags.map((a) => (a === keys.f.connectorKey ? join(cwd, 'nope.pem') : a)), { env: p.env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^pfxstore push: --private-key .*nope\.pem: no such file$/m);
    const notPublic = await runCli(flags.map((a) => (a === keys.targetPub ? keys.targetKey : a)), { env: p.env });
    assert.equal(notPublic.code, 1);
    assert.match(notPublic.stderr, /^pfxstore push: --public-key .*target\.key\.pem: this is a private key/m);
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
