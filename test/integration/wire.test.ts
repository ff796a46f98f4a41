import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { CERTS, graphError } from '../helpers/certificate-fixtures.js';
import { sqliteFactory } from '../helpers/stores.js';

describe('wire conventions (CONTRACT §3, §6)', () => {
  let t: TestApp;
  before(async () => { t = await makeTestApp(sqliteFactory); });
  after(() => t.close());

  test('request-id is a fresh GUID, client-request-id echoes or equals it, OData-Version 4.0', async () => {
    const a = await t.call({ method: 'GET', url: CERTS });
    const b = await t.call({ method: 'GET', url: CERTS, headers: { 'client-request-id': 'my-correlation-1', 'request-id': 'ignored' } });
    assert.match(String(a.headers['request-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(a.headers['client-request-id'], a.headers['request-id']);
    assert.notEqual(b.headers['request-id'], a.headers['request-id']);
    assert.notEqual(b.headers['request-id'], 'ignored');
    assert.equal(b.headers['client-request-id'], 'my-correlation-1');
    assert.equal(a.headers['odata-version'], '4.0');
    const err = await t.call({ method: 'GET', url: `${CERTS}/nope`, headers: { 'client-request-id': 'c-2' } });
    assert.equal(err.json().error.innerError['client-request-id'], 'c-2');
    assert.equal(err.headers['odata-version'], '4.0');
  });

  test('a known path with an unsupported method: 405 with Allow', async () => {
    const res = await t.call({ method: 'PUT', url: CERTS, json: {} });
    graphError(res, 405, 'MethodNotAllowed', /'PUT' is not allowed.*GET, POST/);
    assert.equal(res.headers.allow, 'GET, POST');
    const item = await t.call({ method: 'POST', url: `${CERTS}/${'a'.repeat(32)}-${'b'.repeat(40)}`, json: {} });
    assert.equal(item.headers.allow, 'GET, PATCH, DELETE');
  });

  test('a path the API does not have: 404 ResourceNotFound', async () => {
    graphError(await t.call({ method: 'GET', url: '/beta/deviceManagement/managedDevices' }), 404, 'ResourceNotFound', /managedDevices/);
    graphError(await t.call({ method: 'GET', url: '/v2.0/users' }), 404, 'ResourceNotFound', /users/);
  });

  test('paths are case-insensitive, as in Graph', async () => {
    assert.equal((await t.call({ method: 'GET', url: '/beta/devicemanagement/USERPFXCERTIFICATES' })).statusCode, 200);
  });

  test('$metadata is CSDL derived from the property tables; the service document lists the sets', async () => {
    const res = await t.call({ method: 'GET', url: '/beta/$metadata', token: null });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/xml/);
    assert.match(res.body, /<EntityType Name="userPFXCertificate" BaseType="microsoft.graph.entity">/);
    assert.match(res.body, /<Property Name="paddingScheme" Type="microsoft.graph.userPfxPaddingScheme" Nullable="false"\/>/);
    assert.match(res.body, /<Member Name="wifi" Value="8"\/>/);
    assert.match(res.body, /<Property Name="encryptedPfxBlob" Type="Edm.Binary"\/>/);
    const doc = (await t.call({ method: 'GET', url: '/beta/', token: null })).json();
    assert.deepEqual(doc.value.map((v: any) => v.name), ['users', 'deviceManagement']);
  });

  test('/healthz, /readyz and /metrics need no token', async () => {
    assert.equal((await t.call({ method: 'GET', url: '/healthz', token: null })).body, 'ok');
    assert.equal((await t.call({ method: 'GET', url: '/readyz', token: null })).statusCode, 200);
    // A refused token still counts under its route; a path the API does not have counts as 'unmatched'.
    assert.equal((await t.call({ method: 'GET', url: '/beta/users/$count', token: null })).statusCode, 401);
    assert.equal((await t.call({ method: 'GET', url: '/beta/nowhere' })).statusCode, 404);
    const metrics = await t.call({ method: 'GET', url: '/metrics', token: null });
    assert.match(metrics.body, /pfxstore_http_requests_total\{route="\/beta\/deviceManagement\/userPfxCertificates",method="GET",status="200"\} \d+/);
    assert.match(metrics.body, /pfxstore_http_requests_total\{route="\/beta\/users\/\$count",method="GET",status="401"\} 1\n/);
    assert.match(metrics.body, /pfxstore_http_requests_total\{route="unmatched",method="GET",status="404"\} \d+/);
    assert.match(metrics.body, /pfxstore_http_request_duration_seconds_count\{route="\/healthz",method="GET"\} \d+/);
  });

  test('/readyz fails with 503 once the store is gone', async () => {
    const other = await makeTestApp(sqliteFactory);
    await other.store.close();
    const res = await other.call({ method: 'GET', url: '/readyz', token: null });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '5');
    graphError(await other.call({ method: 'GET', url: CERTS }), 503, 'ServiceUnavailable', /retry after 5 seconds/);
    // close() as well as the app: it removes the data directory (closing the store a second time does nothing).
    await other.close();
  });

  test('an unexpected fault is a 500 InternalServerError that leaks nothing', async () => {
    const other = await makeTestApp(sqliteFactory);
    (other.store as any).list = async () => { throw new Error('SELECT secret FROM /var/lib/internal path'); };
    const res = await other.call({ method: 'GET', url: CERTS });
    graphError(res, 500, 'InternalServerError', /unexpected error/);
    assert.doesNotMatch(res.body, /SELECT|\/var\/lib/);
    await other.close();
  });
});

describe('throttling (--throttle intune)', () => {
  test('past the window limit: 429 TooManyRequests with Retry-After in whole seconds, per tenant', async () => {
    const { Throttle } = await import('../../src/graph/throttle.js');
    let now = 1_000_000;
    const t = await makeTestApp(sqliteFactory, { throttle: new Throttle({ windowMs: 20_000, reads: 3, writes: 1 }, () => now) });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await t.call({ method: 'GET', url: CERTS })).statusCode, 200);
      now += 4_500;
      const limited = await t.call({ method: 'GET', url: CERTS });
      graphError(limited, 429, 'TooManyRequests', /retry after 16 seconds/);
      assert.equal(limited.headers['retry-after'], '16');
      const otherTenant = await t.token({ tenantId: '00000000-0000-4000-8000-000000000001' });
      assert.equal((await t.call({ method: 'GET', url: CERTS, token: otherTenant })).statusCode, 200, 'another tenant has its own budget');
      now += 16_000;
      assert.equal((await t.call({ method: 'GET', url: CERTS })).statusCode, 200, 'a new window');
    } finally {
      await t.close();
    }
  });
});
