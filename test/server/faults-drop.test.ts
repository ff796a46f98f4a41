/**
 * `serve --faults drop=…` on a real listening server: the write lands, then its connection is destroyed without
 * an answer, which only a real socket shows. And the start-up lines of `serve --faults` as a process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { certificateBody, CERTS } from '../helpers/certificate-fixtures.js';
import { MAIN, spawnServer } from '../helpers/child-server.js';
import { listen, type ListeningServer } from '../helpers/server.js';

/** One request on a fresh connection: its status and body, or the error that ended it. */
function send(url: string, method: string, token: string, body?: unknown): Promise<{ status?: number; body?: string; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const req = request(url, { method, agent: false, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) } });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error }));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => { text += c; }).on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('serve --faults drop=1 on a listening server', () => {
  let server: ListeningServer;
  let token: string;
  before(async () => {
    server = await listen(['--http', '--db', 'memory', '--faults', 'drop=1;methods=POST', '--faults-seed', '3']);
    token = await server.token();
  });
  after(() => server.stop());

  test('a create lands, then its connection is cut without an answer; the retry answers 409', async () => {
    const body = await certificateBody({ userPrincipalName: 'dropped@contoso.com' });
    const first = await send(`${server.url}${CERTS}`, 'POST', token, body);
    assert.equal(first.status, undefined, `answered ${first.status} ${first.body}`);
    assert.equal(first.error?.code, 'ECONNRESET', String(first.error));
    const list = await send(`${server.url}${CERTS}?$filter=thumbprint eq '${body.thumbprint}'`.replace(/ /g, '%20'), 'GET', token);
    assert.equal(list.status, 200);
    assert.equal(JSON.parse(list.body!).value.length, 1, 'the row landed');
    const retry = await send(`${server.url}${CERTS}`, 'POST', token, body);
    assert.equal(retry.status, 409, retry.body);
    const metrics = await send(`${server.url}/metrics`, 'GET', token);
    assert.match(metrics.body!, /^pfxstore_faults_injected_total\{kind="drop"\} 1$/m);
  });

  test('a refused write is answered as it is: nothing landed, nothing to drop', async () => {
    const bad = await send(`${server.url}${CERTS}`, 'POST', token, { thumbprint: 'nope' });
    assert.equal(bad.status, 400, String(bad.error));
  });
});

describe('serve --faults as a process: the start-up lines', () => {
  test('stdout ends its banner with the normalised rules and the seed picked; stderr logs them; --help lists the flags', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pfxstore-faults-'));
    const server = await spawnServer(['--http', '--db', 'memory', '--data', dataDir, '--faults', 'Methods=post;RATE=0.5;latency=1s']);
    try {
      const banner = await server.waitForOutput('stdout', /^faults: .*\n/m);
      const lines = server.stdout().trimEnd().split('\n');
      assert.match(lines[0]!, /^pfxstore listening on http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(lines[1]!, /^tenant id: /);
      assert.match(lines.at(-1)!, /^faults: rate=0\.5;status=429,503;latency=1000ms;retry-after=1;methods=POST \(seed \d+\)$/);
      const seed = /\(seed (\d+)\)/.exec(banner[0])![1];
      await server.waitForOutput('stderr', new RegExp(`"seed":${seed},.*"msg":"injecting faults on purpose: rate=0\\.5`));
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
    const help = await new Promise<string>((resolve) => {
      execFile(process.execPath, [MAIN, 'serve', '--help'], (_err, stdout) => resolve(stdout));
    });
    assert.match(help, /--faults SPEC +fail API requests on purpose/);
    assert.match(help, /--faults-seed N +seed of --faults.*\[default: random, printed at start\] \[env: PFXSTORE_FAULTS_SEED\]/);
  });
});
