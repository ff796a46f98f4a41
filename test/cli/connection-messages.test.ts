/**
 * The connection mistakes a person makes with --url, each answered at once with what to do instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CliServer, runCli, startCliServer } from './harness.js';

describe('pfxstore client commands: connection mistakes say what to do', () => {
  let tls: CliServer;

  before(async () => {
    tls = await startCliServer();
  });
  after(async () => {
    await tls?.stop();
  });

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
});
