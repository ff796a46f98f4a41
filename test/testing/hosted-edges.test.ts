import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startPfxstore, type PfxstoreOptions, type RunningPfxstore } from 'pfxstore/testing';
import { newSigningJwk, mintDevToken } from '../../src/graph/dev-identity.js';
import { AppHost, type HostedServer } from '../../src/server/app-host.js';
import { parseServeConfig } from '../../src/server/config.js';
import { SecretBox } from '../../src/service/secret-box.js';
import { devSignIn, discover, signInForm } from '../helpers/dev-sign-in.js';
import { assertGraphError, rawRequest, targetOf } from '../helpers/raw-http.js';

/**
 * The servers startPfxstore starts with no options but `seed`/`http` are listeners on one app, finding their
 * own store, seed, identity and metrics through an AsyncLocalStorage (server/app-host.ts). These are the paths
 * where that context could be lost (events of a socket, timers, a client gone mid-way) or one server's state
 * could show at another: each asserts what the client is answered and that the other servers are untouched.
 */

const USERS = '/beta/users';

/** A plain HTTP hosted server and its token, stopped after the file. */
const started: RunningPfxstore[] = [];
async function start(options: Pick<PfxstoreOptions, 'seed'> = {}) {
  const server = await startPfxstore({ http: true, ...options });
  started.push(server);
  return server;
}
after(() => Promise.all(started.map((s) => s.stop())));

async function call(server: RunningPfxstore, path: string, init: RequestInit & { token?: string } = {}) {
  const res = await fetch(`${server.origin}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${init.token ?? await server.token()}`, 'content-type': 'application/json', ...init.headers },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

async function createUser(server: RunningPfxstore, upn: string) {
  return call(server, USERS, { method: 'POST', body: JSON.stringify({ userPrincipalName: upn }) });
}

async function upns(server: RunningPfxstore, token?: string): Promise<string[]> {
  const res = await call(server, `${USERS}?$top=999`, { token });
  assert.equal(res.status, 200, res.text);
  return (res.json().value as { userPrincipalName: string }[]).map((u) => u.userPrincipalName).sort();
}

/** `pfxstore_http_requests_total` of one route, method and status in the server's own /metrics. */
async function answered(server: { origin: string } | { url: string }, route: string, method: string, status: number): Promise<number> {
  const origin = 'origin' in server ? server.origin : server.url;
  const text = await (await fetch(`${origin}/metrics`)).text();
  const line = `pfxstore_http_requests_total{route="${route}",method="${method}",status="${status}"} `;
  const found = text.split('\n').find((l) => l.startsWith(line));
  return found ? Number(found.slice(line.length)) : 0;
}

/** Every status counted by a server's /metrics, summed: a 5xx anywhere is a context or state gone wrong. */
async function serverErrors(server: { origin: string }): Promise<number> {
  const text = await (await fetch(`${server.origin}/metrics`)).text();
  return [...text.matchAll(/^pfxstore_http_requests_total\{[^}]*status="5\d\d"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

/** A raw connection to a server, resolved once connected. */
function open(origin: string): Promise<Socket> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

function postHead(token: string, length: number, extra = ''): string {
  return `POST ${USERS} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${length}\r\n${extra}\r\n`;
}

describe('hosted servers: clients that go away, trickle or expect', () => {
  test('a client that disconnects mid-body: the server keeps serving, nothing is written, no 5xx, the neighbour untouched', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const body = JSON.stringify({ userPrincipalName: 'cut@contoso.com' });
    const socket = await open(a.origin);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(postHead(await a.token(), body.length) + body.slice(0, 10));
    // The server has the headers (its request is running) when its reply to a second connection arrives.
    assert.equal((await call(a, USERS)).status, 200);
    socket.destroy();
    await closed;
    assert.deepEqual(await upns(a), []);
    assert.equal((await createUser(a, 'after@contoso.com')).status, 201);
    assert.equal(await serverErrors(a), 0);
    assert.equal(await answered(b, USERS, 'GET', 200), 0, 'b counts none of a\'s requests');
  });

  test('a client that disconnects mid-response: the server keeps serving and counts the request as its own', async () => {
    const users = Array.from({ length: 300 }, (_, i) => ({ userPrincipalName: `user${i}@contoso.com`, displayName: 'x'.repeat(200) }));
    const [a, b] = await Promise.all([start({ seed: { users } }), start()]);
    for (let i = 0; i < 5; i++) {
      const socket = await open(a.origin);
      const firstBytes = new Promise((resolve) => socket.once('data', resolve));
      socket.write(`GET ${USERS}?$top=999 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${await a.token()}\r\n\r\n`);
      await firstBytes;
      socket.destroy();
    }
    assert.equal((await upns(a)).length, 300);
    assert.equal(await serverErrors(a), 0);
    assert.equal(await answered(b, USERS, 'GET', 200), 0);
  });

  test('a body trickling in pieces (within the timeout) is read whole, into this server\'s store only', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const body = JSON.stringify({ userPrincipalName: 'slow@contoso.com', displayName: 'Slow' });
    const pieces = [postHead(await a.token(), body.length), body.slice(0, 8), body.slice(8, 30), body.slice(30)];
    const res = await rawRequest(targetOf(a.origin), pieces, { gapMs: 50 });
    assert.equal(res.status, 201, res.body);
    assert.equal(JSON.parse(res.body).displayName, 'Slow');
    assert.deepEqual(await upns(a), ['slow@contoso.com']);
    assert.deepEqual(await upns(b), []);
    assert.equal(await answered(a, USERS, 'POST', 201), 1);
  });

  test('Expect: 100-continue: 100, then the request runs against this server\'s store; a refused one gets its Graph error', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const body = JSON.stringify({ userPrincipalName: 'continue@contoso.com' });
    const token = await a.token();
    const ok = await rawRequest(targetOf(a.origin), [postHead(token, body.length, 'Expect: 100-continue\r\n'), body], { gapMs: 20 });
    assert.equal(ok.status, 201, ok.body);
    const again = await rawRequest(targetOf(a.origin), [postHead(token, body.length, 'Expect: 100-continue\r\n'), body], { gapMs: 20 });
    assertGraphError(again, 409, 'Conflict', /A user with userPrincipalName 'continue@contoso\.com' already exists/);
    assert.deepEqual(await upns(b), []);
  });

  test('HEAD: headers only, for a route, an unknown path and /metrics, counted by the server asked', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const token = await a.token();
    const head = (path: string) => rawRequest(targetOf(a.origin),
      `HEAD ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`, { head: true });
    const users = await head(USERS);
    assert.equal(users.status, 200);
    assert.match(users.headers['content-type'], /^application\/json/);
    assert.equal(users.body, '');
    assert.equal((await head('/beta/nothing')).status, 404);
    assert.equal((await head('/metrics')).status, 200);
    assert.equal(await answered(a, USERS, 'HEAD', 200), 1);
    assert.equal(await answered(a, 'unmatched', 'HEAD', 404), 1);
    assert.equal(await answered(b, USERS, 'HEAD', 200), 0);
  });

  test('gzip request bodies: decoded (also when split), a corrupt one is a 400 naming gzip', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const token = await a.token();
    const zipped = gzipSync(JSON.stringify({ userPrincipalName: 'zipped@contoso.com' }));
    const head = (length: number) => postHead(token, length, 'Content-Encoding: gzip\r\n');
    const created = await rawRequest(targetOf(a.origin), [head(zipped.length), zipped.subarray(0, 12), zipped.subarray(12)], { gapMs: 30 });
    assert.equal(created.status, 201, created.body);
    assertGraphError(await rawRequest(targetOf(a.origin), [head(10), Buffer.from('not gzip!!')]), 400, 'BadRequest', /not valid gzip data/);
    assert.deepEqual(await upns(a), ['zipped@contoso.com']);
    assert.deepEqual(await upns(b), []);
  });
});

describe('hosted servers: the request timeout', () => {
  let host: AppHost;
  const servers: HostedServer[] = [];
  before(async () => {
    const config = parseServeConfig(['--host', '127.0.0.1', '--port', '0', '--auth', 'dev', '--db', 'memory',
      '--log-level', 'silent', '--request-timeout-ms', '1000'], {}, false);
    host = await AppHost.create({ config, signingJwk: await newSigningJwk(), secrets: SecretBox.ephemeral() });
  });
  after(() => Promise.all(servers.map((s) => s.close())));

  test('a gzip body cut by the request timeout: 408, and both servers serve on', async () => {
    const [a, b] = await Promise.all([host.listen(), host.listen()]);
    servers.push(a, b);
    const token = await mintDevToken(a.identity);
    const zipped = gzipSync(JSON.stringify({ userPrincipalName: 'late@contoso.com' }));
    const head = postHead(token, zipped.length + 100, 'Content-Encoding: gzip\r\n');
    const res = await rawRequest(targetOf(a.url), [head, zipped.subarray(0, 10), ...Array.from({ length: 30 }, () => zipped.subarray(10, 11))], { gapMs: 100 });
    assertGraphError(res, 408, 'RequestTimeout', /whole request within 1 s/);
    for (const server of [a, b]) {
      const list = await fetch(`${server.url}${USERS}`, { headers: { authorization: `Bearer ${await mintDevToken(server.identity)}` } });
      assert.equal(list.status, 200);
      assert.deepEqual((await list.json() as { value: unknown[] }).value, []);
    }
    assert.equal(await answered(b, USERS, 'POST', 400), 0);
  });
});

describe('hosted servers: $batch, OAuth, probes', () => {
  test('$batch with dependsOn and failures runs against the batch\'s server: 201, 409, 424, 200', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const res = await call(a, '/beta/$batch', { method: 'POST', body: JSON.stringify({ requests: [
      { id: '1', method: 'POST', url: '/users', body: { userPrincipalName: 'batch@contoso.com' }, headers: { 'content-type': 'application/json' } },
      { id: '2', method: 'POST', url: '/users', dependsOn: ['1'], body: { userPrincipalName: 'batch@contoso.com' }, headers: { 'content-type': 'application/json' } },
      { id: '3', method: 'GET', url: '/users', dependsOn: ['2'] },
      { id: '4', method: 'GET', url: '/users/batch@contoso.com', dependsOn: ['1'] },
    ] }) });
    assert.equal(res.status, 200, res.text);
    const byId = new Map((res.json().responses as { id: string; status: number; body: any }[]).map((r) => [r.id, r]));
    assert.equal(byId.get('1')!.status, 201);
    assert.equal(byId.get('2')!.status, 409);
    assert.equal(byId.get('2')!.body.error.code, 'Conflict');
    assert.match(byId.get('2')!.body.error.message, /A user with userPrincipalName 'batch@contoso\.com' already exists/);
    assert.equal(byId.get('3')!.status, 424);
    assert.equal(byId.get('3')!.body.error.code, 'FailedDependency');
    assert.equal(byId.get('3')!.body.error.message, "The request it depends on ('2') failed.");
    assert.equal(byId.get('4')!.status, 200);
    assert.equal(byId.get('4')!.body.userPrincipalName, 'batch@contoso.com');
    assert.deepEqual(await upns(a), ['batch@contoso.com']);
    assert.deepEqual(await upns(b), []);
  });

  test('the dev OAuth endpoints of two servers at once: each signs in to its own tenant with its own secret', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const [signedA, signedB] = await Promise.all([
      devSignIn(a.origin, { upn: 'ann@contoso.com', secret: a.clientSecret }),
      devSignIn(b.origin, { upn: 'ben@contoso.com', secret: b.clientSecret }),
    ]);
    const tid = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).tid;
    assert.equal(tid(signedA.accessToken), a.tenantId);
    assert.equal(tid(signedB.accessToken), b.tenantId);
    await assert.rejects(devSignIn(b.origin, { upn: 'ann@contoso.com', secret: a.clientSecret }), /sign-in form: 400 .*The dev client secret is wrong/s);
    const form = (server: RunningPfxstore, secret: string) => fetch(`${server.origin}/${server.tenantId}/oauth2/v2.0/token`, {
      method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'app', client_secret: secret }),
    });
    assert.equal((await form(a, a.clientSecret)).status, 200);
    const refused = await form(a, b.clientSecret);
    assert.equal(refused.status, 401);
    assert.equal((await refused.json() as { error: string }).error, 'invalid_client');
  });

  test('an authorization code is good only at the server that issued it, and is not used up by a try at another', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const { config, as, client } = await discover(a.origin);
    const redirectUri = `${a.origin}${config.redirectPath}`;
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(as.authorization_endpoint!);
    authorize.search = new URLSearchParams({
      response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, scope: config.scopes.join(' '),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    }).toString();
    const { action, fields } = signInForm(await (await fetch(authorize)).text());
    const signedIn = await fetch(new URL(action, authorize), {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, upn: 'ann@contoso.com', dev_secret: a.clientSecret }),
    });
    assert.equal(signedIn.status, 302);
    const code = new URL(signedIn.headers.get('location')!).searchParams.get('code')!;
    const redeem = (server: RunningPfxstore) => fetch(`${server.origin}/${a.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: client.client_id, code_verifier: verifier }),
    });
    const elsewhere = await redeem(b);
    assert.equal(elsewhere.status, 400);
    assert.deepEqual(await elsewhere.json(), {
      error: 'invalid_grant',
      error_description: 'The authorization code is not one this server issued (or the server restarted since): sign in again.',
    });
    const own = await redeem(a);
    assert.equal(own.status, 200);
    assert.match((await own.json() as { access_token: string }).access_token, /^ey/);
  });

  test('/readyz and /metrics of each server: ready, and counting only its own requests', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    for (const server of [a, b]) {
      const ready = await fetch(`${server.origin}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(await ready.text(), 'ready');
    }
    for (let i = 0; i < 4; i++) await fetch(`${a.origin}/readyz`);
    assert.equal(await answered(a, '/readyz', 'GET', 200), 5);
    assert.equal(await answered(b, '/readyz', 'GET', 200), 1);
  });
});

describe('hosted servers: stopping', () => {
  test('stop() while a request is in flight: the request is answered, then the port closes; a second stop() resolves too', async () => {
    const a = await startPfxstore({ http: true });
    const body = JSON.stringify({ userPrincipalName: 'inflight@contoso.com' });
    const socket = await open(a.origin);
    let received = '';
    socket.on('data', (chunk: Buffer) => { received += chunk.toString('latin1'); });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(postHead(await a.token(), body.length) + body.slice(0, 10));
    // The request is in the server once a request on another connection, sent after it, has been answered.
    assert.equal((await call(a, USERS)).status, 200);
    let stopped = false;
    const stopping = a.stop().then(() => { stopped = true; });
    const again = a.stop();
    assert.equal((await fetch(`${a.url}/users`).catch((err: Error & { cause?: { code?: string } }) => err.cause?.code)), 'ECONNREFUSED');
    assert.equal(stopped, false, 'stop() waits for the request in flight');
    socket.write(body.slice(10));
    await Promise.all([stopping, again, closed]);
    assert.match(received, /^HTTP\/1\.1 201 Created\r\n/);
    assert.equal(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4)).userPrincipalName, 'inflight@contoso.com');
    await a.stop();
  });

  test('a server stopped while its neighbour is busy: every request to the neighbour is answered', async () => {
    const [a, b] = await Promise.all([startPfxstore({ http: true }), start()]);
    const token = await b.token();
    const load = Array.from({ length: 60 }, (_, i) => i % 3 === 0
      ? createUser(b, `load${i}@contoso.com`).then((r) => r.status)
      : call(b, USERS, { token }).then((r) => r.status));
    await a.stop();
    const statuses = await Promise.all(load);
    assert.deepEqual([...new Set(statuses)].sort(), [200, 201]);
    assert.equal((await upns(b)).length, 20);
    assert.equal((await fetch(`${b.origin}/readyz`)).status, 200);
  });

  test('50 servers started and stopped at once: each its own port, tenant and records', async () => {
    const many = await Promise.all(Array.from({ length: 50 }, () => startPfxstore({ http: true })));
    try {
      assert.equal(new Set(many.map((s) => s.origin)).size, 50);
      assert.equal(new Set(many.map((s) => s.tenantId)).size, 50);
      const statuses = await Promise.all(many.map((s, i) => createUser(s, `u${i}@contoso.com`).then((r) => r.status)));
      assert.deepEqual([...new Set(statuses)], [201]);
      const lists = await Promise.all(many.map((s) => upns(s)));
      lists.forEach((list, i) => assert.deepEqual(list, [`u${i}@contoso.com`]));
    } finally {
      await Promise.all(many.map((s) => s.stop()));
    }
    // A new connection, not fetch's: its pool may still hold a connection the server has closed.
    const refused = await Promise.all(many.map((s) => open(s.origin).then((socket) => {
      socket.destroy();
      return 'accepted';
    }, (err: NodeJS.ErrnoException) => err.code)));
    assert.deepEqual([...new Set(refused)], ['ECONNREFUSED']);
  });

  test('a process whose servers are all stopped exits by itself', async () => {
    const testing = import.meta.resolve('pfxstore/testing');
    const script = `
      import { startPfxstore } from ${JSON.stringify(testing)};
      const servers = await Promise.all([startPfxstore({ http: true }), startPfxstore(), startPfxstore({ http: true, seed: { users: [{ userPrincipalName: 'a@contoso.com' }] } })]);
      const res = await fetch(servers[0].url + '/users', { headers: { authorization: 'Bearer ' + await servers[0].token() } });
      await res.text();
      await servers[2].reset({ reseed: true });
      await Promise.all(servers.map((s) => s.stop()));
      console.log('stopped', res.status);
    `;
    const started = Date.now();
    const { stdout, exitCode } = await new Promise<{ stdout: string; exitCode: number | null }>((resolve) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 }, (err, out) =>
        resolve({ stdout: out, exitCode: err ? (err as { code?: number }).code ?? null : 0 }));
      child.stdin?.end();
    });
    assert.equal(stdout.trim(), 'stopped 200');
    assert.equal(exitCode, 0);
    assert.ok(Date.now() - started < 5000, `exited after ${Date.now() - started} ms`);
  });
});

describe('hosted servers: seeds and reset', () => {
  const OTHER_TENANT = '0f6b1d2c-8e4a-4b7f-a3c5-9d2e6f1a8b40';

  test('a seed item with an explicit tenantId goes to that tenant; reset() touches only the server\'s own', async () => {
    const seed = { users: [{ userPrincipalName: 'mine@contoso.com' }, { userPrincipalName: 'theirs@contoso.com', tenantId: OTHER_TENANT }] };
    const [a, b] = await Promise.all([start({ seed }), start({ seed: { users: [] } })]);
    const other = await a.token({ tenant: OTHER_TENANT });
    assert.deepEqual(await upns(a), ['mine@contoso.com']);
    assert.deepEqual(await upns(a, other), ['theirs@contoso.com']);
    assert.deepEqual(await upns(b, await b.token({ tenant: OTHER_TENANT })), [], 'the same tenant at another server is another store');
    await a.reset();
    assert.deepEqual(await upns(a), []);
    assert.deepEqual(await upns(a, other), ['theirs@contoso.com']);
    await a.reset({ reseed: true });
    assert.deepEqual(await upns(a), ['mine@contoso.com']);
  });

  test('reset() racing with writes: every write and reset answers, and lists and reads agree afterwards', async () => {
    const [a, b] = await Promise.all([start({ seed: { users: [{ userPrincipalName: 'seeded@contoso.com' }] } }), start()]);
    const token = await a.token();
    const writes = Array.from({ length: 40 }, (_, i) => createUser(a, `race${i}@contoso.com`));
    const resets = [a.reset({ reseed: true }), a.reset(), a.reset({ reseed: true })];
    const more = Array.from({ length: 40 }, (_, i) => createUser(a, `late${i}@contoso.com`));
    const results = await Promise.all([...writes, ...more]);
    await Promise.all(resets);
    assert.deepEqual([...new Set(results.map((r) => r.status))], [201]);
    const listed = new Set(await upns(a));
    for (const created of results.map((r) => r.json() as { id: string; userPrincipalName: string })) {
      const read = await call(a, `${USERS}/${created.id}`, { token });
      assert.equal(read.status, listed.has(created.userPrincipalName) ? 200 : 404, `${created.userPrincipalName}: ${read.text}`);
    }
    assert.deepEqual(await upns(b), []);
  });
});
