/**
 * Retries against a real pfxstore (plain HTTP) behind a tiny misbehaving proxy (test/helpers/flaky-proxy.ts): 429/503
 * with Retry-After, a connection dropped before the request is forwarded, and one dropped after the server carried it out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_RETRY_POLICY, retryAfterMs } from '../../src/client/retry-policy.js';
import { FlakyProxy } from '../helpers/flaky-proxy.js';
import { type CliServer, importFlags, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'retry-pass';

describe('pfxstore CLI retries', () => {
  let srv: CliServer;
  let f: PfxFactory;
  let proxy: FlakyProxy;
  let env: Record<string, string>;
  let pfxPath: string;

  before(async () => {
    [srv, f] = await Promise.all([startCliServer(['--http']), PfxFactory.create()]);
    pfxPath = (await f.pfx('retry', { password: PASSWORD })).path;
    proxy = new FlakyProxy(new URL(srv.server.url));
    env = { PFXSTORE_URL: `${await proxy.start()}/beta`, PFXSTORE_TOKEN: srv.env.PFXSTORE_TOKEN!, PFX_PASS: PASSWORD };
  });
  after(async () => {
    await Promise.all([proxy?.stop(), srv?.stop(), f?.cleanup()]);
  });

  const importAs = (upn: string) => runCli(['import', pfxPath, ...importFlags(f, upn), '--password-env', 'PFX_PASS'], { env });
  const storedFor = async (upn: string) => JSON.parse((await runCli(['list', '--upn', upn, '--json'], { env })).stdout) as unknown[];

  it('waits Retry-After on 429 and then succeeds', async () => {
    proxy.reset((method, _path, nth) => (method === 'POST' && nth === 1 ? 'throttle' : 'pass'));
    // Real time on purpose: the CLI is a child process, and its waiting out Retry-After is the behaviour under test.
    const started = Date.now();
    const r = await importAs('throttled@contoso.com');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - started >= 1000, 'did not wait the Retry-After second');
    assert.match(r.stderr, /retrying POST \/beta\/deviceManagement\/userPfxCertificates in 1\.0 s \(429 Too Many Requests; attempt 2\)/);
    assert.match(r.stdout, /^imported /m);
    assert.deepEqual(proxy.log.filter((l) => l.startsWith('POST')), [
      'POST /beta/deviceManagement/userPfxCertificates throttle', 'POST /beta/deviceManagement/userPfxCertificates pass',
    ]);
  });

  it('retries a GET after 503 and after a dropped connection', async () => {
    proxy.reset((method, _path, nth) => (method !== 'GET' ? 'pass' : nth === 1 ? 'unavailable' : nth === 2 ? 'drop' : 'pass'));
    const stored = await storedFor('throttled@contoso.com');
    assert.equal(stored.length, 1);
    assert.deepEqual(proxy.log.map((l) => l.split(' ').pop()), ['unavailable', 'drop', 'pass']);
  });

  it('a create whose connection dropped after the server stored it is reconciled: the retry\'s 409 means "created"', async () => {
    proxy.reset((method, _path, nth) => (method === 'POST' && nth === 1 ? 'drop-after' : 'pass'));
    const r = await importAs('dropped@contoso.com');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^imported .*the connection dropped after sending; the retry found it created/m);
    proxy.reset(() => 'pass');
    assert.equal((await storedFor('dropped@contoso.com')).length, 1);
  });

  it('does not resend a non-idempotent POST that may have landed (users add): reports it instead', async () => {
    proxy.reset((method, _path, nth) => (method === 'POST' && nth === 1 ? 'drop-after' : 'pass'));
    const r = await runCli(['users', 'add', 'maybe@contoso.com'], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /POST \/beta\/users: .* it may or may not have been carried out/);
    assert.equal(proxy.log.filter((l) => l.startsWith('POST')).length, 1);
  });
});

describe('Retry-After parsing', () => {
  it('reads delta-seconds and HTTP-dates, capped', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxRetryAfterSeconds: 60 };
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('1', policy, now), 1000);
    assert.equal(retryAfterMs('3600', policy, now), 60_000);
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', policy, now), 30_000);
    assert.equal(retryAfterMs(undefined, policy, now), undefined);
    assert.equal(retryAfterMs('soon', policy, now), undefined);
  });
});
