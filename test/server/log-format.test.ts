import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ChildServer, spawnServer } from '../helpers/child-server.js';

/** Collects a server's stderr from now on; `until` resolves once a line matches (or fails if the process exits first). */
function stderrLines(server: ChildServer) {
  const lines: string[] = [];
  let partial = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  server.process.stderr!.on('data', (chunk) => {
    partial += chunk;
    const complete = partial.split('\n');
    partial = complete.pop()!;
    for (const line of complete) {
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.pattern.test(line)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  return {
    lines,
    until(pattern: RegExp): Promise<string> {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void server.exited.then(() => reject(new Error(`serve exited before logging ${pattern}: ${lines.join('\n')}`)));
      });
    },
  };
}

/** `serve` as a real process at `info`, its logs in the format asked for; the unauthenticated GET is its request. */
describe('serve --log-format', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pfxstore-logs-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  async function withServer(args: string[], env: NodeJS.ProcessEnv, check: (logs: ReturnType<typeof stderrLines>, url: string) => Promise<void>) {
    const server = await spawnServer(['--data', dataDir, '--http', '--log-level', 'info', ...args], { PFXSTORE_LOG_FORMAT: undefined, ...env });
    const logs = stderrLines(server);
    try {
      const res = await fetch(`${server.url}/beta/users?$top=1`);
      assert.equal(res.status, 401);
      await check(logs, server.url);
    } finally {
      server.process.kill('SIGTERM');
      assert.deepEqual(await server.exited, { code: 0, signal: null });
    }
  }

  test('pretty: one short line per request (method, url, status, ms), and the other lines readable too', async () => {
    await withServer(['--log-format', 'pretty'], {}, async (logs) => {
      const line = await logs.until(/GET \/beta\/users\?\$top=1 /);
      assert.match(line, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/beta\/users\?\$top=1 401 \d+\.\d ms$/);
      // Not a pair of lines to match up: nothing else names the request.
      assert.equal(logs.lines.filter((l) => l.includes('/beta/users')).length, 1);
      assert.ok(logs.lines.every((l) => !l.startsWith('{')), logs.lines.join('\n'));
    });
  });

  test('json: pino\'s JSON lines, the request with its id, url and status', async () => {
    await withServer(['--log-format', 'json'], {}, async (logs) => {
      const completed = JSON.parse(await logs.until(/"msg":"request completed"/));
      const incoming = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'incoming request');
      assert.equal(incoming.req.url, '/beta/users?$top=1');
      assert.equal(completed.reqId, incoming.reqId);
      assert.equal(completed.res.statusCode, 401);
      assert.equal(typeof completed.responseTime, 'number');
    });
  });

  test('PFXSTORE_LOG_FORMAT chooses it too; without either, stderr that is no terminal gets JSON', async () => {
    await withServer([], { PFXSTORE_LOG_FORMAT: 'pretty' }, async (logs) => {
      await logs.until(/INFO: GET \/beta\/users\?\$top=1 401 /);
    });
    await withServer([], {}, async (logs) => {
      assert.equal(JSON.parse(await logs.until(/"msg":"request completed"/)).res.statusCode, 401);
      assert.ok(logs.lines.every((l) => l.startsWith('{')), logs.lines.join('\n'));
    });
  });
});
