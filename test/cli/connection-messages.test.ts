/**
 * The connection mistakes a person makes with --url, each answered at once with what to do instead: no API
 * version in the URL, the wrong scheme for the port, a port where nothing listens.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type CliServer, importFlags, type MadePfx, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'connection-pass';

/** A port nothing listens on: one the OS just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('pfxstore client commands: connection mistakes say what to do', () => {
  let tls: CliServer;
  let plain: CliServer;
  let f: PfxFactory;
  let pfx: MadePfx;

  before(async () => {
    [tls, plain, f] = await Promise.all([startCliServer(), startCliServer(['--http']), PfxFactory.create()]);
    pfx = await f.pfx('conn', { password: PASSWORD });
  });
  after(async () => {
    await Promise.all([tls?.stop(), plain?.stop(), f?.cleanup()]);
  });

  /** One import (which reports each retry it makes) against `url`, with `srv`'s token and CA. */
  const importTo = (srv: CliServer, url: string) => runCli(['import', pfx.path, ...importFlags(f, 'conn@contoso.com'), '--password-env', 'PFX_PASS'],
    { env: { ...srv.env, PFXSTORE_URL: url, PFX_PASS: PASSWORD } });

  it('a --url without the API version is a usage error (exit 2) that shows the URL with /beta; /beta/, /v1.0 and /localtest work', async () => {
    const origin = tls.server.url;
    const bare = await runCli(['list', '--url', origin], { env: tls.env });
    assert.equal(bare.code, 2, bare.stderr);
    assert.equal(bare.stdout, '');
    assert.ok(bare.stderr.includes(`--url must end in the API version, /beta, /v1.0 or /localtest (e.g. ${origin}/beta), not '${origin}'.`), bare.stderr);
    assert.match(bare.stderr, /^Usage: pfxstore list /m);
    const slash = await runCli(['list', '--url', `${origin}/`], { env: tls.env });
    assert.equal(slash.code, 2, slash.stderr);
    for (const url of [`${origin}/beta/`, `${origin}/v1.0`, `${origin}/localtest/`]) {
      const r = await runCli(['list', '--url', url], { env: tls.env });
      assert.equal(r.code, 0, `${url}: ${r.stderr}`);
    }
  });

  it('http:// to the HTTPS port says the server speaks HTTPS, at once (no retries; exit 1)', async () => {
    const url = tls.baseUrl.replace(/^https:/, 'http:');
    const r = await importTo(tls, url);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`speaks HTTPS, not plain HTTP: use ${tls.baseUrl}`), r.stderr);
    assert.doesNotMatch(r.stderr, /retrying/);
  });

  it('https:// to a plain-HTTP server says the server speaks plain HTTP (exit 1)', async () => {
    const url = plain.baseUrl.replace(/^http:/, 'https:');
    const r = await importTo(plain, url);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`speaks plain HTTP, not HTTPS: use ${plain.baseUrl}`), r.stderr);
    assert.doesNotMatch(r.stderr, /retrying/);
  });

  it('a port where nothing listens fails at once, naming the URL (no retries; exit 1)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/beta`;
    const r = await importTo(plain, url);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`nothing is listening at ${url} (connection refused)`), r.stderr);
    assert.doesNotMatch(r.stderr, /retrying/);
    const list = await runCli(['list'], { env: { ...plain.env, PFXSTORE_URL: url } });
    assert.equal(list.code, 1);
    assert.match(list.stderr, /^pfxstore list: .*nothing is listening at http:\/\/127\.0\.0\.1:\d+\/beta \(connection refused\)$/m);
  });
});
