/**
 * Retries against a real pfxstore (plain HTTP) behind a tiny misbehaving proxy: 429/503 with Retry-After,
 * a connection dropped before the request is forwarded, and one dropped after the server carried it out.
 */
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_RETRY_POLICY, retryAfterMs } from '../../src/client/retry-policy.js';
import { type CliServer, importFlags, PfxFactory, runCli, startCliServer } from './harness.js';

const PASSWORD = 'retry-pass';

type Action = 'pass' | 'throttle' | 'unavailable' | 'drop' | 'drop-after';

/** Forwards to `target`, except where `rule` says otherwise for the nth request of a method and path. */
class FlakyProxy {
  rule: (method: string, path: string, nth: number) => Action = () => 'pass';
  readonly log: string[] = [];
  private readonly counts = new Map<string, number>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  constructor(private readonly target: URL) {}

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  reset(rule: FlakyProxy['rule']): void {
    this.rule = rule;
    this.log.length = 0;
    this.counts.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = new URL(req.url!, 'http://x').pathname;
    const key = `${req.method} ${path}`;
    const nth = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, nth);
    const action = this.rule(req.method!, path, nth);
    this.log.push(`${key} ${action}`);
    if (action === 'throttle' || action === 'unavailable') {
      const [status, code] = action === 'throttle' ? [429, 'TooManyRequests'] : [503, 'ServiceUnavailable'];
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: { code, message: 'try again later', innerError: {} } }));
      return;
    }
    if (action === 'drop') {
      req.socket.destroy();
      return;
    }
    const upstream = await forward(this.target, req, Buffer.concat(chunks));
    if (action === 'drop-after') {
      req.socket.destroy(); // the server did it; the client never hears so
      return;
    }
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
  }
}

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    // The Host header stays the proxy's, so the server's nextLinks point back through the proxy.
    const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    out.on('error', reject);
    out.end(body);
  });
}

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
