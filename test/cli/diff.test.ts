/**
 * `pfxstore diff` between two real pfxstore servers (SQLite, and SQLite against PostgreSQL), their records imported
 * with the CLI so that some are the same, some on one side only, and one changed on the other side by
 * `import --update`.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { postgresTestDb, type PostgresTestDb } from '../helpers/postgres.js';
import { type CliServer, importFlags, type MadePfx, PfxFactory, runCli, spawnCliServer, startCliServer } from './harness.js';

const PASSWORD = 'diff-pass';

/** A port nothing listens on: one the OS just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Imports `files` for `upn` into `srv` (extra flags after), or fails the test. */
async function importInto(srv: CliServer, f: PfxFactory, upn: string, files: readonly MadePfx[], extra: readonly string[] = []): Promise<void> {
  const r = await runCli(['import', ...files.map((p) => p.path), ...importFlags(f, upn), '--password-env', 'PFX_PASS', ...extra],
    { env: { ...srv.env, PFX_PASS: PASSWORD } });
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

/** The flags that point `diff` at `there`, with its token in argv. */
function against(there: CliServer): string[] {
  return ['--against', there.baseUrl, '--against-token', there.env.PFXSTORE_TOKEN!, '--against-ca', there.server.caPath!];
}

describe('pfxstore diff', () => {
  let here: CliServer;
  let there: CliServer;
  let f: PfxFactory;
  let a1: MadePfx, a2: MadePfx, b1: MadePfx, c1: MadePfx, d1: MadePfx;

  before(async () => {
    // Two pfxstore processes: "there" is a `pfxstore serve` of its own.
    [here, there, f] = await Promise.all([startCliServer(), spawnCliServer(), PfxFactory.create()]);
    [a1, a2, b1, c1, d1] = await Promise.all(['diff-a1', 'diff-a2', 'diff-b1', 'diff-c1', 'diff-d1'].map((n) => f.pfx(n, { password: PASSWORD })));
    await Promise.all([
      importInto(here, f, 'alice@contoso.com', [a1, a2]), importInto(there, f, 'Alice@Contoso.com', [a1, a2]),
      importInto(here, f, 'bob@contoso.com', [b1]), importInto(there, f, 'bob@contoso.com', [b1]),
      importInto(here, f, 'carol@contoso.com', [c1]), importInto(there, f, 'dave@contoso.com', [d1]),
    ]);
    // Changed there afterwards: another connector key, purpose and padding.
    await importInto(there, f, 'bob@contoso.com', [b1], ['--update', '--key-name', 'NewKey', '--purpose', 'smimeSigning', '--padding', 'oaepSha256']);
  });
  after(async () => {
    await Promise.all([here?.stop(), there?.stop(), f?.cleanup()]);
  });

  it('reports only here, only there and different, with counts; paging one record at a time on both sides (exit 1)', async () => {
    const r = await runCli(['diff', ...against(there), '--page-size', '1'], { env: here.env });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, [
      `here:  ${here.baseUrl} (4 records)`,
      `there: ${there.baseUrl} (4 records)`,
      '',
      'only here (1):',
      `  carol@contoso.com  ${c1.thumbprint}`,
      '',
      'only there (1):',
      `  dave@contoso.com  ${d1.thumbprint}`,
      '',
      'different (1):',
      `  bob@contoso.com  ${b1.thumbprint}`,
      '    intendedPurpose: unassigned → smimeSigning',
      '    keyName: PFXEncryptionKey → NewKey',
      '    paddingScheme: oaepSha512 → oaepSha256',
      '',
      '1 only here, 1 only there, 1 different, 2 the same: they differ',
      '',
    ].join('\n'));
  });

  it('--json: one object {onlyHere, onlyThere, different, same}; the token from --against-token-env', async () => {
    const r = await runCli(['diff', '--against', there.baseUrl, '--against-token-env', 'THERE_TOKEN', '--against-ca', there.server.caPath!,
      '--json', '--page-size', '2'], { env: { ...here.env, THERE_TOKEN: there.env.PFXSTORE_TOKEN } });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report), ['onlyHere', 'onlyThere', 'different', 'same']);
    assert.deepEqual(report.onlyHere.map((x: { upn: string; thumbprint: string }) => [x.upn, x.thumbprint]), [['carol@contoso.com', c1.thumbprint]]);
    assert.deepEqual(report.onlyThere.map((x: { upn: string; thumbprint: string }) => [x.upn, x.thumbprint]), [['dave@contoso.com', d1.thumbprint]]);
    assert.match(report.onlyThere[0].id, /\S/);
    assert.deepEqual(report.different, [{
      upn: 'bob@contoso.com', thumbprint: b1.thumbprint, differences: {
        intendedPurpose: { here: 'unassigned', there: 'smimeSigning' },
        keyName: { here: 'PFXEncryptionKey', there: 'NewKey' },
        paddingScheme: { here: 'oaepSha512', there: 'oaepSha256' },
      },
    }]);
    assert.equal(report.same, 2);
  });

  it('--upn (any case) compares one user on both sides; where they agree: exit 0', async () => {
    const r = await runCli(['diff', ...against(there), '--upn', 'ALICE@contoso.com'], { env: here.env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^here: .* \(2 records\)$/m);
    assert.match(r.stdout, /^there: .* \(2 records\)$/m);
    assert.match(r.stdout, /^0 only here, 0 only there, 0 different, 2 the same: the two agree$/m);
    const carol = await runCli(['diff', ...against(there), '--upn', 'carol@contoso.com', '--json'], { env: here.env });
    assert.equal(carol.code, 1, carol.stderr);
    assert.deepEqual(JSON.parse(carol.stdout).onlyHere.map((x: { upn: string }) => x.upn), ['carol@contoso.com']);
  });

  it('an endpoint against itself agrees (exit 0)', async () => {
    const r = await runCli(['diff', ...against(here), '--json'], { env: here.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { onlyHere: [], onlyThere: [], different: [], same: 4 });
  });

  it('a refused --against token says which endpoint and which flag (exit 1)', async () => {
    const r = await runCli(['diff', '--against', there.baseUrl, '--against-token', 'not-a-token', '--against-ca', there.server.caPath!], { env: here.env });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^pfxstore diff: the --against endpoint \\(${there.baseUrl.replace(/\./g, '\\.')}\\): 401 .* — check --against-token or --against-token-env\n$`));
  });

  it('a token from the wrong server is refused too: it is this endpoint\'s, not the other\'s (exit 1)', async () => {
    const r = await runCli(['diff', '--against', there.baseUrl, '--against-token', here.env.PFXSTORE_TOKEN!, '--against-ca', there.server.caPath!], { env: here.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^pfxstore diff: the --against endpoint \(.*\): 401 /);
  });

  it('an --against port where nothing listens says so at once (exit 1)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/beta`;
    const r = await runCli(['diff', '--against', url, '--against-token', 'T'], { env: here.env });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`pfxstore diff: the --against endpoint (${url}): `), r.stderr);
    assert.ok(r.stderr.includes(`nothing is listening at ${url} (connection refused)`), r.stderr);
    assert.doesNotMatch(r.stderr, /retrying/);
  });

  it('an --against server whose CA is not trusted: says so and names --against-ca (exit 1)', async () => {
    const r = await runCli(['diff', '--against', there.baseUrl, '--against-token', there.env.PFXSTORE_TOKEN!], { env: here.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^pfxstore diff: the --against endpoint \(.*\): .*the TLS certificate of 127\.0\.0\.1:\d+ is not trusted .*; pass the CA with --against-ca FILE\n$/);
  });

  it('a token without a role that reads certificates: the 403 names the role (exit 1)', async () => {
    const token = await there.server.token({ roles: ['User.ReadWrite.All'] });
    const r = await runCli(['diff', '--against', there.baseUrl, '--against-token', token, '--against-ca', there.server.caPath!], { env: here.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^pfxstore diff: the --against endpoint \(.*\): 403 .*DeviceManagementConfiguration\.Read\.All/);
  });

  it('a refused token here names this endpoint and --token (exit 1)', async () => {
    const r = await runCli(['diff', ...against(there)], { env: { ...here.env, PFXSTORE_TOKEN: 'not-a-token' } });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`pfxstore diff: this endpoint (${here.baseUrl}): 401 `), r.stderr);
    assert.match(r.stderr, / — check --token \(PFXSTORE_TOKEN\)\n$/);
  });

  describe('usage errors: the message and the usage, exit 2, nothing listed', () => {
    const cases: [string, (t: CliServer) => string[], Record<string, string>, string][] = [
      ['no --against', () => ['--against-token', 'T'], {}, '--against URL is required.'],
      ['no token', (t) => ['--against', t.baseUrl], {}, '--against-token T or --against-token-env VAR is required: the token for '],
      ['both token flags', (t) => ['--against', t.baseUrl, '--against-token', 'T', '--against-token-env', 'V'], { V: 'x' },
        'give --against-token or --against-token-env, not both.'],
      ['an empty token variable', (t) => ['--against', t.baseUrl, '--against-token-env', 'EMPTY'], { EMPTY: '' },
        '--against-token-env EMPTY: the variable is not set or empty.'],
      ['a URL without the API version', (t) => ['--against', t.server.url, '--against-token', 'T'], {},
        '--against must end in the API version, /beta, /v1.0 or /localtest (e.g. '],
      ['a URL that is not http(s)', () => ['--against', 'graph.microsoft.com/beta', '--against-token', 'T'], {},
        "--against must be an http(s) URL such as https://graph.microsoft.com/beta, not 'graph.microsoft.com/beta'."],
      ['a CA file that is not there', (t) => ['--against', t.baseUrl, '--against-token', 'T', '--against-ca', '/nonexistent/ca.pem'], {},
        '--against-ca /nonexistent/ca.pem: no such file.'],
      ['a page size out of range', (t) => [...against(t), '--page-size', '0'], {}, "--page-size must be a whole number from 1 to 1000, not '0'."],
    ];
    for (const [name, args, env, message] of cases) {
      it(name, async () => {
        const r = await runCli(['diff', ...args(there)], { env: { ...here.env, ...env } });
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stdout, '');
        assert.ok(r.stderr.startsWith(`pfxstore diff: ${message}`), r.stderr);
        assert.match(r.stderr, /^Usage: pfxstore diff --against URL /m);
      });
    }
  });
});

describe('pfxstore diff: SQLite here, PostgreSQL there', async () => {
  const db: PostgresTestDb = await postgresTestDb(import.meta.url);
  let here: CliServer;
  let there: CliServer;
  let f: PfxFactory;
  let same: MadePfx, changed: MadePfx;

  before(async () => {
    if (db.skip) return;
    [here, there, f] = await Promise.all([startCliServer(), startCliServer(['--db', db.urlFor(db.newSchema())]), PfxFactory.create()]);
    [same, changed] = await Promise.all(['pg-same', 'pg-changed'].map((n) => f.pfx(n, { password: PASSWORD })));
    await Promise.all([importInto(here, f, 'erin@contoso.com', [same, changed]), importInto(there, f, 'erin@contoso.com', [same, changed])]);
    await importInto(there, f, 'erin@contoso.com', [changed], ['--update', '--key-name', 'RotatedKey']);
  });
  after(async () => {
    await Promise.all([here?.stop(), there?.stop(), f?.cleanup()]);
    await db.cleanup();
  });

  it('matches records across the two stores (dates as instants) and finds the one changed there', { skip: db.skip }, async () => {
    const r = await runCli(['diff', ...against(there), '--json', '--page-size', '1'], { env: here.env });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      onlyHere: [], onlyThere: [], same: 1,
      different: [{ upn: 'erin@contoso.com', thumbprint: changed.thumbprint, differences: { keyName: { here: 'PFXEncryptionKey', there: 'RotatedKey' } } }],
    });
    const reverse = await runCli(['diff', ...against(here), '--upn', 'erin@contoso.com'], { env: there.env });
    assert.equal(reverse.code, 1, reverse.stderr);
    assert.ok(reverse.stdout.includes('    keyName: RotatedKey → PFXEncryptionKey\n'), reverse.stdout);
  });
});
