import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
// As a user imports it: through the package's `exports`, not a path into dist/.
import { startPfxstore, type RunningPfxstore, type SeedDocument } from 'pfxstore/testing';
import { graphError } from '../helpers/certificate-fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SEED_FILE = join(ROOT, 'examples', 'seed.json');
const CERTS = '/deviceManagement/userPfxCertificates';

/** A fetch-like answer with what graphError reads. */
async function call(server: RunningPfxstore, path: string, init: RequestInit & { token?: string } = {}) {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${init.token ?? await server.token()}`, 'content-type': 'application/json', ...init.headers },
  });
  const text = await res.text();
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: text, json: () => JSON.parse(text) };
}

describe('startPfxstore', () => {
  const started: RunningPfxstore[] = [];
  const start = async (...args: Parameters<typeof startPfxstore>) => {
    const server = await startPfxstore(...args);
    started.push(server);
    return server;
  };
  after(() => Promise.all(started.map((s) => s.stop())));

  test('plain HTTP, in memory: the Graph root, the origin, a tenant and a token the API accepts', async () => {
    const server = await start({ http: true });
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/beta$/);
    assert.equal(server.url, `${server.origin}/beta`);
    assert.match(server.tenantId, /^[0-9a-f-]{36}$/);
    assert.equal(server.caPem, undefined);
    const list = await call(server, CERTS);
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().value, []);
    const created = await call(server, '/users', { method: 'POST', body: JSON.stringify({ userPrincipalName: 'dana@contoso.com', displayName: 'Dana' }) });
    assert.equal(created.statusCode, 201);
  });

  test('HTTPS by default, with the CA to trust in caPem', async () => {
    const server = await start();
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+\/beta$/);
    assert.match(server.caPem!, /^-----BEGIN CERTIFICATE-----/);
    const token = await server.token();
    const status = await new Promise<number>((resolve, reject) => {
      request(`${server.url}/users`, { ca: server.caPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject).end();
    });
    assert.equal(status, 200);
  });

  test('the client secret gets a token at the dev token endpoint, as MSAL and @azure/identity ask for one', async () => {
    const server = await start({ http: true });
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'my-app', client_secret: server.clientSecret,
      scope: 'https://graph.microsoft.com/.default' });
    const answer = await fetch(`${server.origin}/${server.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form });
    assert.equal(answer.status, 200);
    const { access_token: accessToken } = await answer.json() as { access_token: string };
    assert.equal((await call(server, '/users', { token: accessToken })).statusCode, 200);
    form.set('client_secret', 'not-the-secret');
    assert.equal((await fetch(`${server.origin}/${server.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form })).status, 401);
  });

  test('token() takes the token command\'s options: roles, scopes with a user, tenant, ttl', async () => {
    const server = await start({ http: true });
    const reader = await server.token({ roles: ['DeviceManagementConfiguration.Read.All'] });
    assert.equal((await call(server, CERTS, { token: reader })).statusCode, 200);
    graphError(await call(server, '/users', { method: 'POST', token: reader, body: JSON.stringify({ userPrincipalName: 'x@contoso.com' }) }),
      403, 'Forbidden', /Insufficient privileges.*User\.ReadWrite\.All/);
    const delegated = await server.token({ scopes: ['User.Read.All'], upn: 'admin@contoso.com' });
    assert.equal(JSON.parse(Buffer.from(delegated.split('.')[1], 'base64url').toString()).upn, 'admin@contoso.com');
    assert.equal((await call(server, '/users', { token: delegated })).statusCode, 200);
    const elsewhere = await server.token({ tenant: '0F6B1D2C-8E4A-4B7F-A3C5-9D2E6F1A8B40' });
    assert.equal(JSON.parse(Buffer.from(elsewhere.split('.')[1], 'base64url').toString()).tid, '0f6b1d2c-8e4a-4b7f-a3c5-9d2e6f1a8b40');
    const short = JSON.parse(Buffer.from((await server.token({ ttl: 90 })).split('.')[1], 'base64url').toString());
    assert.equal(short.exp - short.iat, 90);
    await assert.rejects(server.token({ ttl: 'soon' }), /ttl must be a duration such as 90s, 15m, 1h or 7d, not 'soon'/);
  });

  test('two servers at once keep their own records and tenants', async () => {
    const [a, b] = await Promise.all([start({ http: true }), start({ http: true })]);
    assert.notEqual(a.tenantId, b.tenantId);
    assert.notEqual(a.origin, b.origin);
    await call(a, '/users', { method: 'POST', body: JSON.stringify({ userPrincipalName: 'only-a@contoso.com' }) });
    assert.equal((await call(a, '/users')).json().value.length, 1);
    assert.equal((await call(b, '/users')).json().value.length, 0);
  });

  test('a seed file loads at start; reset() empties the tenant and reset({ reseed: true }) brings the seed back', async () => {
    const server = await start({ http: true, seed: SEED_FILE });
    const seeded = (await call(server, CERTS)).json().value;
    assert.deepEqual(seeded.map((c: { userPrincipalName: string }) => c.userPrincipalName), ['alice@contoso.com']);
    await call(server, '/users', { method: 'POST', body: JSON.stringify({ userPrincipalName: 'extra@contoso.com' }) });
    await server.reset();
    assert.deepEqual((await call(server, CERTS)).json().value, []);
    assert.deepEqual((await call(server, '/users')).json().value, []);
    await server.reset({ reseed: true });
    assert.equal((await call(server, CERTS)).json().value[0].thumbprint, seeded[0].thumbprint);
    const upns = (await call(server, '/users')).json().value.map((u: { userPrincipalName: string }) => u.userPrincipalName).sort();
    assert.deepEqual(upns, ['alice@contoso.com', 'bob@contoso.com']);
  });

  test('a seed document in the test itself, checked as the API checks a POST', async () => {
    const seed: SeedDocument = { users: [{ userPrincipalName: 'erin@contoso.com', displayName: 'Erin' }] };
    const server = await start({ http: true, seed });
    assert.equal((await call(server, '/users')).json().value[0].displayName, 'Erin');
    await assert.rejects(startPfxstore({ http: true, seed: { users: [{ displayName: 'no UPN' }] } }),
      /users\[0\]\.userPrincipalName/);
  });

  test('reset() without a seed to reload is refused with the server\'s message', async () => {
    const server = await start({ http: true });
    await assert.rejects(server.reset({ reseed: true }), /POST .*\/_pfxstore\/reset\?reseed=true answered 400: .*seed/);
  });

  test('faults as serve --faults: injected in Graph\'s shape, the seed reported; a bad spec is refused naming the piece', async () => {
    const server = await start({ http: true, faults: 'rate=1;status=503;retry-after=0;methods=GET', faultsSeed: 11 });
    assert.equal(server.faultsSeed, 11);
    graphError(await call(server, '/users'), 503, 'ServiceUnavailable', /injected on purpose by serve --faults/);
    assert.equal((await call(server, '/users', { method: 'POST', body: JSON.stringify({ userPrincipalName: 'f@contoso.com' }) })).statusCode, 201);
    const unseeded = await start({ http: true, faults: 'latency=1ms' });
    assert.equal(typeof unseeded.faultsSeed, 'number');
    await assert.rejects(startPfxstore({ http: true, faults: 'rate=2' }), /--faults: rate must be a number from 0 to 1, not '2'/);
  });

  test('record as serve --record: a HAR file of what the client sent, the token redacted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfxstore-har-'));
    try {
      const file = join(dir, 'client.har');
      const server = await startPfxstore({ http: true, record: file });
      const token = await server.token();
      await call(server, '/users', { token });
      await server.stop();
      const har = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(har.log.version, '1.2');
      assert.deepEqual(har.log.entries.map((e: any) => [e.request.method, e.response.status]), [['GET', 200]]);
      assert.ok(!readFileSync(file, 'utf8').includes(token));
      await assert.rejects(startPfxstore({ http: true, record: file }), /--record: '.*client\.har' already exists/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('stop() closes the port; nothing was written to disk', async () => {
    const before = readdirSync(tmpdir());
    const server = await startPfxstore({ http: true });
    await call(server, '/users', { method: 'POST', body: JSON.stringify({ userPrincipalName: 'gone@contoso.com' }) });
    await server.stop();
    await assert.rejects(fetch(`${server.url}/users`), (err: Error) => (err.cause as { code?: string })?.code === 'ECONNREFUSED');
    assert.deepEqual(readdirSync(tmpdir()), before);
    assert.throws(() => readFileSync(join(process.cwd(), '.pfxstore', 'pfxstore.db')), /ENOENT/);
  });
});
