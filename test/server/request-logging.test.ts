import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { sqliteFactory } from '../helpers/stores.js';

/** A pino destination that keeps each JSON line. */
function capture(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines };
}

/** Counts the pino children made from the app's logger (Fastify makes one per request unless told otherwise). */
function countChildren(t: TestApp): () => number {
  const log = t.app.log as unknown as { child: (...args: unknown[]) => unknown };
  const original = log.child;
  let made = 0;
  log.child = function (this: unknown, ...args: unknown[]) {
    made++;
    return original.apply(this, args);
  };
  return () => made;
}

describe('request logging', () => {
  test('at warn, quiet requests make no child logger; an error is logged with its request id', async () => {
    const { stream, lines } = capture();
    const t = await makeTestApp(sqliteFactory, { logger: { level: 'warn', stream } });
    try {
      t.app.get('/beta/test-failure', async () => {
        throw new Error('disk on fire');
      });
      const children = countChildren(t);
      for (let i = 0; i < 3; i++) assert.equal((await t.call({ method: 'GET', url: '/beta/users' })).statusCode, 200);
      assert.equal(children(), 0, 'no request logged anything, so no child was made');
      assert.equal(lines.length, 0, 'and nothing was logged');

      const failed = await t.call({ method: 'GET', url: '/beta/test-failure' });
      assert.equal(failed.statusCode, 500);
      assert.equal(failed.json().error.code, 'InternalServerError');
      assert.doesNotMatch(failed.body, /disk on fire/, 'the cause stays in the log');
      assert.equal(lines.length, 1);
      assert.equal(lines[0].level, 50);
      assert.equal(lines[0].msg, 'unexpected error');
      assert.equal(lines[0].reqId, failed.headers['request-id'], 'the line names the request it belongs to');
      assert.match(JSON.stringify(lines[0].err), /disk on fire/);
      assert.equal(children(), 1);
    } finally {
      await t.close();
    }
  });

  test('at info, both request lines carry the request id, and one child serves the whole request', async () => {
    const { stream, lines } = capture();
    const t = await makeTestApp(sqliteFactory, { logger: { level: 'info', stream } });
    try {
      const children = countChildren(t);
      const res = await t.call({ method: 'GET', url: '/beta/users' });
      assert.equal(res.statusCode, 200);
      const mine = lines.filter((l) => l.reqId === res.headers['request-id']);
      assert.deepEqual(mine.map((l) => l.msg), ['incoming request', 'request completed']);
      assert.equal(mine[1].res && (mine[1].res as { statusCode: number }).statusCode, 200);
      assert.equal(children(), 1);
    } finally {
      await t.close();
    }
  });
});
