import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { postgresTestDb } from '../helpers/postgres.js';
import { postHandBuilt } from './hand-built.js';
import { type CliResult, type CliServer, EXPORT_ROLES, importFlags, type MadePfx, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'verify-all-pass';
const ACCENTED = 'pässwörd-é';
/** The escape that starts the bar's "clear the line" (CSI K). */
const ESC = '\x1b';
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'main.js');
/** util-linux `script` gives the CLI a real terminal (a pty); without it the terminal case is skipped. */
const HAS_SCRIPT = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;
const UTF8_REASON = 'password encoding: the password was encrypted as UTF-8 bytes; the connector reads one byte per character (Latin-1), ' +
  'so it will not open the PFX';
const OTHER_KEY_REASON = 'password: the password does not decrypt with this private key and oaepSha512: it was encrypted for another key';

const db = await postgresTestDb(import.meta.url);

interface Line {
  id: string;
  userPrincipalName: string;
  thumbprint: string;
  deliverable: boolean;
  checks: { check: string; ok: boolean; detail: string; warning?: boolean }[];
}

/** The PFX files every store's records are made from (one factory for the file: OpenSSL is the slow part). */
interface Files {
  readonly alice: MadePfx[];
  readonly dan: MadePfx;
  readonly bob: MadePfx;
  readonly carol: MadePfx;
  readonly carolUtf8: MadePfx;
  readonly otherKey: string;
  readonly otherPub: string;
}

let f: PfxFactory;
let files: Files;

before(async () => {
  f = await PfxFactory.create();
  const [alice1, alice2, dan, bob, carol, carolUtf8, otherKey] = await Promise.all([
    f.pfx('all-alice-1', { password: PASSWORD }), f.pfx('all-alice-2', { password: PASSWORD }),
    f.pfx('all-dan', { password: PASSWORD, expired: true }), f.pfx('all-bob', { password: PASSWORD }),
    f.pfx('all-carol', { password: ACCENTED }), f.pfx('all-carol-utf8', { password: ACCENTED }),
    f.ws.rsaKey('all-other', 2048),
  ]);
  const otherPub = await f.write('all-other.pub.pem', createPublicKey(readFileSync(otherKey)).export({ type: 'spki', format: 'pem' }));
  files = { alice: [alice1, alice2], dan, bob, carol, carolUtf8, otherKey, otherPub };
});
after(async () => {
  await Promise.all([f?.cleanup(), db.cleanup()]);
});

/**
 * Six records: alice's two, dan's expired one (a warning), carol's with an accented password (Latin-1: fine), all
 * under the connector key; bob's under another key (keyName OtherKey), and carol's second POSTed by hand with the
 * password's UTF-8 bytes encrypted. Four deliverable, two not.
 */
async function seed(srv: CliServer): Promise<Record<string, string>> {
  const imp = async (args: string[], password = PASSWORD) => {
    const r = await runCli(['import', ...args, '--password-env', 'PFX_PASS'], { env: { ...srv.env, PFX_PASS: password } });
    assert.equal(r.code, 0, r.stderr + r.stdout);
  };
  const flags = (upn: string) => importFlags(f, upn);
  await imp([...files.alice.map((p) => p.path), ...flags('alice@contoso.com')]);
  await imp([files.dan.path, ...flags('dan@contoso.com'), '--allow-expired']);
  await imp([files.carol.path, ...flags('carol@contoso.com')], ACCENTED);
  await imp([files.bob.path, '--upn', 'bob@contoso.com', '--public-key', files.otherPub, '--provider-name', 'Microsoft Software Key Storage Provider', '--key-name', 'OtherKey']);
  const utf8 = await postHandBuilt(srv, f, { file: files.carolUtf8.path, upn: 'carol@contoso.com', password: ACCENTED, passwordBytes: Buffer.from(ACCENTED, 'utf8') });
  const listed = await runCli(['list', '--json'], { env: srv.env });
  assert.equal(listed.code, 0, listed.stderr);
  const byThumbprint = Object.fromEntries((JSON.parse(listed.stdout) as { id: string; thumbprint: string }[]).map((c) => [c.thumbprint, c.id]));
  assert.equal(Object.keys(byThumbprint).length, 6);
  assert.equal(byThumbprint[files.carolUtf8.thumbprint], utf8);
  return byThumbprint;
}

const STORES = [
  { name: 'SQLite', args: (): string[] => [], skip: false as const },
  { name: 'PostgreSQL', args: () => ['--db', db.urlFor(db.newSchema())], skip: db.skip },
];

for (const store of STORES) {
  describe(`pfxstore verify --all on ${store.name}`, { skip: store.skip }, () => {
    let srv: CliServer;
    let ids: Record<string, string>;
    let exportEnv: Record<string, string>;
    const verifyAll = (...args: string[]) => runCli(['verify', '--all', '--private-key', f.connectorKey, ...args], { env: exportEnv });

    before(async () => {
      srv = await startCliServer(store.args());
      ids = await seed(srv);
      exportEnv = { ...srv.env, PFXSTORE_TOKEN: await srv.server.token({ roles: EXPORT_ROLES }) };
    });
    after(async () => {
      await srv?.stop();
    });

    it('checks every record across pages: counts, each failure with id, UPN, thumbprint and reason; exit 1; no bar off a terminal', async () => {
      const r = await verifyAll('--page-size', '2');
      assert.equal(r.code, 1, r.stderr + r.stdout);
      assert.equal(r.stderr, '');
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines[0], 'checked 6 · deliverable 4 · failed 2 · warnings 1');
      assert.equal(lines[1], 'failures:');
      assert.deepEqual(lines.slice(2).sort(), [
        `  ${ids[files.bob.thumbprint]} bob@contoso.com ${files.bob.thumbprint}: ${OTHER_KEY_REASON}`,
        `  ${ids[files.carolUtf8.thumbprint]} carol@contoso.com ${files.carolUtf8.thumbprint}: ${UTF8_REASON}`,
      ].sort());
    });

    it('--json: one object per record per line, as each is checked; the summary on stderr', async () => {
      const r = await verifyAll('--json', '--page-size', '4', '--concurrency', '1');
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
      assert.deepEqual(lines.map((l) => l.id).sort(), Object.values(ids).sort());
      for (const line of lines) {
        assert.deepEqual(Object.keys(line), ['id', 'userPrincipalName', 'thumbprint', 'deliverable', 'checks']);
        assert.equal(ids[line.thumbprint], line.id);
        const bad = [files.bob.thumbprint, files.carolUtf8.thumbprint].includes(line.thumbprint);
        assert.equal(line.deliverable, !bad, line.thumbprint);
      }
      const dan = lines.find((l) => l.userPrincipalName === 'dan@contoso.com')!;
      assert.deepEqual(dan.checks.filter((c) => !c.ok).map((c) => [c.check, c.warning]), [['expiry', true]]);
      const utf8 = lines.find((l) => l.thumbprint === files.carolUtf8.thumbprint)!;
      assert.equal(`${utf8.checks.at(-1)!.check}: ${utf8.checks.at(-1)!.detail}`, UTF8_REASON);
      assert.match(r.stderr, /^checked 6 · deliverable 4 · failed 2 · warnings 1\nfailures:\n/);
    });

    it('--upn selects one user (any case); dev mode mints a token with the export role; all deliverable: exit 0', async () => {
      const r = await runCli(['verify', '--all', '--upn', 'ALICE@contoso.com', '--private-key', f.connectorKey, '--page-size', '1'], { env: srv.devEnv });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.equal(r.stdout, 'checked 2 · deliverable 2 · failed 0 · warnings 0\nthe connector will be able to deliver every record checked\n');
    });

    it('--key-name selects the records of one connector key; warnings (expired) do not fail', async () => {
      const other = await runCli(['verify', '--all', '--key-name', 'OtherKey', '--private-key', files.otherKey, '--json'], { env: exportEnv });
      assert.equal(other.code, 0, other.stderr);
      assert.deepEqual(other.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as Line).id), [ids[files.bob.thumbprint]]);
      const dan = await verifyAll('--key-name', 'PFXEncryptionKey', '--upn', 'dan@contoso.com');
      assert.equal(dan.code, 0, dan.stderr);
      assert.match(dan.stdout, /^checked 1 · deliverable 1 · failed 0 · warnings 1$/m);
    });

    it('nothing selected: says so, exit 0', async () => {
      const r = await verifyAll('--upn', 'nobody@contoso.com');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'checked 0 · deliverable 0 · failed 0 · warnings 0\nno certificates match\n');
    });

    it('without the export role: stops at the first record, naming the role (exit 1), prints no result', async () => {
      for (const json of [[], ['--json']]) {
        const r = await runCli(['verify', '--all', '--private-key', f.connectorKey, '--page-size', '2', ...json], { env: srv.env });
        assert.equal(r.code, 1);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /^pfxstore verify: stopped at record \S+: the server returned no encryptedPfxBlob\/encryptedPfxPassword: the token lacks the UserPfxCertificate\.Export\.All role \(pfxstore's export role; Microsoft Graph never returns these fields\)$/m);
      }
    });

    it('on a terminal: a progress bar on stderr, the summary on stdout', { skip: !HAS_SCRIPT && 'no util-linux script' }, async () => {
      const out = f.path(`summary-${store.name}.txt`);
      const r = await runOnTerminal(['verify', '--all', '--private-key', f.connectorKey, '--page-size', '2'], out, exportEnv);
      assert.equal(r.code, 1, r.stdout);
      // The terminal shows stderr alone (stdout went to the file): the bar, redrawn in place, ending full.
      assert.match(r.stdout, new RegExp(`\r${ESC}\\[K\\[#+\\] 6/6 {2}checked 6 · deliverable 4 · failed 2 · warnings 1`));
      assert.doesNotMatch(r.stdout, /failures:/);
      const summary = readFileSync(out, 'utf8');
      assert.match(summary, /^checked 6 · deliverable 4 · failed 2 · warnings 1\nfailures:\n/);
      assert.ok(!summary.includes(ESC), 'no terminal escapes in the summary');
    });
  });
}

/** The CLI with stderr on a pseudo-terminal and stdout redirected to `stdoutFile`; the result's stdout is the terminal's. */
function runOnTerminal(args: readonly string[], stdoutFile: string, env: Record<string, string>): Promise<CliResult> {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', `${[process.execPath, MAIN, ...args].map(quote).join(' ')} > ${quote(stdoutFile)}`, '/dev/null'],
      { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
    child.stdin.end();
  });
}

describe('pfxstore verify: usage errors (exit 2, the message and the usage on stderr)', () => {
  const cases: [string[], RegExp][] = [
    [['verify', 'some-id', '--all', '--private-key', 'k.pem'], /give one certificate ID or --all, not both\./],
    [['verify', '--private-key', 'k.pem'], /give exactly one certificate ID, or --all for every record\./],
    [['verify', 'a', 'b', '--private-key', 'k.pem'], /give exactly one certificate ID, or --all for every record\./],
    [['verify', 'some-id', '--upn', 'a@contoso.com', '--private-key', 'k.pem'], /--upn only goes with --all\./],
    [['verify', 'some-id', '--key-name', 'K', '--concurrency', '2', '--private-key', 'k.pem'], /--key-name, --concurrency only go with --all\./],
    [['verify', 'some-id', '--page-size', '10', '--private-key', 'k.pem'], /--page-size only goes with --all\./],
    [['verify', '--all', '--concurrency', '0', '--private-key', 'k.pem'], /--concurrency must be a whole number from 1 to 64, not '0'\./],
    [['verify', '--all', '--concurrency', '65', '--private-key', 'k.pem'], /--concurrency must be a whole number from 1 to 64, not '65'\./],
    [['verify', '--all', '--concurrency', 'many', '--private-key', 'k.pem'], /--concurrency must be a whole number from 1 to 64, not 'many'\./],
    [['verify', '--all'], /--private-key F is required \(the key the connector decrypts passwords with\)\./],
  ];
  for (const [args, message] of cases) {
    it(args.slice(1).join(' '), async () => {
      const r = await runCli(args, { env: { PFXSTORE_URL: 'https://127.0.0.1:9/beta' } });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^pfxstore verify: ${message.source}`));
      assert.match(r.stderr, /^Usage: pfxstore verify ID --private-key F .* \| verify --all --private-key F \[--upn U\] \[--key-name K\] \[--concurrency N\] \[--json\]/m);
    });
  }
});
