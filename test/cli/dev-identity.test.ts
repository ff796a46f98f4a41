import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadDevIdentity, mintDevToken } from '../../src/graph/dev-identity.js';
import { type CliServer, runCli, startCliServer } from './harness.js';

/**
 * The CLI mints its dev token from the server's data directory. Run from anywhere else, it must say so
 * instead of making a key of its own, which the server would refuse with a 401.
 */
describe('the dev identity: client commands and token use the server\'s, or say where to find it', () => {
  let srv: CliServer;
  let elsewhere: string;
  let otherData: string;

  before(async () => {
    [srv, elsewhere, otherData] = await Promise.all([
      startCliServer(), mkdtemp(join(tmpdir(), 'pfxstore-elsewhere-')), mkdtemp(join(tmpdir(), 'pfxstore-other-data-')),
    ]);
  });
  after(async () => {
    await Promise.all([srv?.stop(), rm(elsewhere, { recursive: true, force: true }), rm(otherData, { recursive: true, force: true })]);
  });

  it('from another directory, list and token say no dev identity is there and how to point at the server\'s; exit 2, nothing made', async () => {
    const env = { PFXSTORE_URL: srv.baseUrl, ...(srv.server.caPath ? { PFXSTORE_CA: srv.server.caPath } : {}) };
    for (const args of [['list'], ['token'], ['users', 'list']]) {
      const r = await runCli(args, { cwd: elsewhere, env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^pfxstore ${args[0]}: no dev identity found at ${join(elsewhere, '.pfxstore')} \\(no such directory; \\./\\.pfxstore of the current directory is the default\\)\\. ` +
        "Point --data or PFXSTORE_DATA at the dev server's data directory"));
      if (args[0] === 'token') assert.doesNotMatch(r.stderr, /--token/);
      else assert.match(r.stderr, /or pass --token \(or set PFXSTORE_TOKEN\)\./);
      assert.match(r.stderr, /^Usage: pfxstore /m);
    }
    assert.deepEqual(await readdir(elsewhere), [], 'no key, tenant or directory was made');
  });

  it('a --data that holds no identity is named as such', async () => {
    const r = await runCli(['token', '--data', otherData], { cwd: elsewhere });
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`no dev identity found at ${otherData} \\(it holds no signing-key\\.jwk\\.json and no tenant-id\\)\\.`));
    assert.deepEqual(await readdir(otherData), []);
  });

  it('with --data (or PFXSTORE_DATA) naming the server\'s, or with a token, the same commands work from anywhere', async () => {
    const viaFlag = await runCli(['list', '--url', srv.baseUrl, '--data', srv.server.dataDir], { cwd: elsewhere });
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    const viaEnv = await runCli(['token'], { cwd: elsewhere, env: { PFXSTORE_DATA: srv.server.dataDir } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const withToken = await runCli(['list'], { cwd: elsewhere, env: { ...srv.env, PFXSTORE_TOKEN: viaEnv.stdout.trim() } });
    assert.equal(withToken.code, 0, withToken.stderr);
    assert.equal(existsSync(join(elsewhere, '.pfxstore')), false);
  });

  it('a token signed by another data directory\'s key: the 401 says so', async () => {
    const foreign = await mintDevToken(await loadDevIdentity(otherData));
    const r = await runCli(['list'], { cwd: elsewhere, env: { ...srv.env, PFXSTORE_TOKEN: foreign } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /401/);
    assert.match(r.stderr, /The access token was signed by another data directory's key, not this server's\. A dev server trusts only the signing key in its own --data: mint tokens with 'pfxstore token --data DIR' \(or PFXSTORE_DATA\)/);
  });
});
