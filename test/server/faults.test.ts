/**
 * `serve --faults` through app.inject on every store: each kind of fault, its Graph error and headers, its
 * filters, its determinism, its counters and log lines. The connection-cutting `drop` needs a real socket:
 * faults-drop.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { certificateBody, CERTS, createCertificate, graphError } from '../helpers/certificate-fixtures.js';
import { sqliteFactory, storeFactories, type StoreFactory } from '../helpers/stores.js';

const INJECTED = /^A fault injected on purpose by serve --faults; not a real failure/;

/** A test app with these faults, and the warn lines its log writes. */
async function faultApp(factory: StoreFactory, spec: string, seed = 1): Promise<TestApp & { logs: Record<string, unknown>[] }> {
  const logs: Record<string, unknown>[] = [];
  const t = await makeTestApp(factory, {
    args: ['--faults', spec, '--faults-seed', String(seed)],
    logger: { level: 'warn', stream: { write: (line: string) => logs.push(JSON.parse(line)) } },
  });
  return Object.assign(t, { logs });
}

for (const factory of await storeFactories()) {
  describe(`serve --faults (${factory.name})`, () => {
    test('rate=1: every matching request answers an injected status in Graph\'s shape, nothing written', async () => {
      const t = await faultApp(factory, 'rate=1;status=429;methods=POST');
      try {
        const res = await t.call({ method: 'POST', url: CERTS, json: await certificateBody() });
        graphError(res, 429, 'TooManyRequests', /^A fault injected on purpose by serve --faults; not a real failure\. Retry after 1 seconds\.$/);
        assert.equal(res.headers['retry-after'], '1');
        assert.ok(res.headers['request-id']);
        const list = await t.call({ method: 'GET', url: CERTS });
        assert.equal(list.statusCode, 200);
        assert.deepEqual(list.json().value, [], 'the refused create wrote nothing');
        const users = await t.call({ method: 'GET', url: '/beta/users' });
        assert.deepEqual(users.json().value, [], 'nor its owner');
        const line = t.logs.find((l) => l.fault === 'status');
        assert.equal(line?.status, 429);
        assert.equal(line?.reqId, res.headers['request-id'], 'the log line names the request');
        assert.ok(t.logs.some((l) => String(l.msg).startsWith('injecting faults on purpose: rate=1;status=429;retry-after=1;methods=POST (seed 1)')));
      } finally {
        await t.close();
      }
    });

    test('after-commit=1: a create lands and answers 503; its retry answers 409; a PATCH and a DELETE land too', async () => {
      const t = await faultApp(factory, 'after-commit=1;retry-after=2');
      try {
        const body = await certificateBody({ userPrincipalName: 'landed@contoso.com' });
        const first = await t.call({ method: 'POST', url: CERTS, json: body });
        graphError(first, 503, 'ServiceUnavailable',
          /^The request was carried out, but this answer was replaced by a fault injected on purpose by serve --faults; not a real failure\. Retry after 2 seconds\.$/);
        assert.equal(first.headers['retry-after'], '2');
        assert.equal(first.headers.location, undefined, 'no Location of the 201 survives');
        const stored = (await t.call({ method: 'GET', url: `${CERTS}?$filter=thumbprint eq '${body.thumbprint}'` })).json().value;
        assert.equal(stored.length, 1, 'the row is in the store');
        const retry = await t.call({ method: 'POST', url: CERTS, json: body });
        graphError(retry, 409, 'Conflict', /already/);

        const id = stored[0].id as string;
        graphError(await t.call({ method: 'PATCH', url: `${CERTS}/${id}`, json: { intendedPurpose: 'smimeSigning' } }), 503, 'ServiceUnavailable', /carried out/);
        assert.equal((await t.call({ method: 'GET', url: `${CERTS}/${id}` })).json().intendedPurpose, 'smimeSigning');
        graphError(await t.call({ method: 'DELETE', url: `${CERTS}/${id}` }), 503, 'ServiceUnavailable', /carried out/);
        assert.equal((await t.call({ method: 'GET', url: `${CERTS}/${id}` })).statusCode, 404);
        // A write that failed is answered as it is: nothing landed.
        graphError(await t.call({ method: 'DELETE', url: `${CERTS}/${id}` }), 404, 'ResourceNotFound', /./);

        const metrics = (await t.call({ method: 'GET', url: '/metrics', token: null })).body;
        assert.match(metrics, /^pfxstore_faults_injected_total\{kind="after_commit",status="503"\} 3$/m);
        assert.equal(t.logs.filter((l) => l.fault === 'after_commit').map((l) => l.landedStatus).join(), '201,204,204');
      } finally {
        await t.close();
      }
    });
  });
}

describe('serve --faults (SQLite): filters, statuses, latency, batches, seeds, metrics', () => {
  let t: Awaited<ReturnType<typeof faultApp>>;
  after(() => t?.close());

  test('statuses: 503 with Retry-After, 504 without, each with its catalogue code', async () => {
    for (const [status, code, retry] of [[503, 'ServiceUnavailable', '1'], [504, 'GatewayTimeout', undefined], [500, 'InternalServerError', undefined]] as const) {
      const app = await faultApp(sqliteFactory, `rate=1;status=${status}`);
      try {
        const res = await app.call({ method: 'GET', url: '/beta/users' });
        graphError(res, status, code, INJECTED);
        assert.equal(res.headers['retry-after'], retry);
      } finally {
        await app.close();
      }
    }
  });

  test('methods and paths choose the requests; health, metrics and the dev authority are never touched', async () => {
    t = await faultApp(sqliteFactory, 'rate=1;status=503;methods=GET,POST;paths=userPfxCertificates,$metadata');
    graphError(await t.call({ method: 'GET', url: CERTS }), 503, 'ServiceUnavailable', INJECTED);
    graphError(await t.call({ method: 'GET', url: '/v1.0/$metadata' }), 503, 'ServiceUnavailable', INJECTED);
    assert.equal((await t.call({ method: 'GET', url: '/beta/users' })).statusCode, 200, 'another path');
    assert.equal((await t.call({ method: 'POST', url: '/beta/users', json: { userPrincipalName: 'bob@contoso.com', displayName: 'Bob' } })).statusCode, 201);
    assert.equal((await t.call({ method: 'DELETE', url: `${CERTS}/00000000000000000000000000000000-${'0'.repeat(40)}` })).statusCode, 404, 'another method');
    for (const url of ['/healthz', '/readyz', '/metrics', `/${t.identity.tenantId}/v2.0/.well-known/openid-configuration`]) {
      assert.equal((await t.call({ method: 'GET', url, token: null })).statusCode, 200, url);
    }
    await t.close();
  });

  test('a $batch is matched as one request; the requests inside it get no faults of their own', async () => {
    t = await faultApp(sqliteFactory, 'rate=1;status=429;methods=GET');
    const batch = { requests: [{ id: '1', method: 'GET', url: '/users' }, { id: '2', method: 'GET', url: '/deviceManagement/userPfxCertificates' }] };
    const res = await t.call({ method: 'POST', url: '/beta/$batch', json: batch });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().responses.map((r: { status: number }) => r.status), [200, 200]);
    await t.close();
    t = await faultApp(sqliteFactory, 'rate=1;status=429;paths=$batch');
    graphError(await t.call({ method: 'POST', url: '/beta/$batch', json: batch }), 429, 'TooManyRequests', INJECTED);
    await t.close();
  });

  test('latency holds matching requests for a time in its range, and only them', async () => {
    t = await faultApp(sqliteFactory, 'latency=150-200ms;methods=GET');
    const timed = async (method: 'GET' | 'DELETE') => {
      const started = performance.now();
      const res = await t.call({ method, url: `${CERTS}/00000000000000000000000000000000-${'0'.repeat(40)}` });
      assert.equal(res.statusCode, 404);
      return performance.now() - started;
    };
    const delayed = await timed('GET');
    assert.ok(delayed >= 145, `GET took ${delayed} ms`);
    const logged = t.logs.find((l) => l.fault === 'latency');
    assert.ok(Number(logged?.delayMs) >= 150 && Number(logged?.delayMs) <= 200, JSON.stringify(logged));
    // Not asserted to be fast (a loaded machine may be slow anyway): asserted not to have been delayed.
    await timed('DELETE');
    assert.equal(t.logs.filter((l) => l.fault === 'latency').length, 1);
    await t.close();
  });

  test('the same seed and the same requests give the same faults; the counters add up in /metrics', async () => {
    const statuses = async (seed: number) => {
      const app = await faultApp(sqliteFactory, 'rate=0.5;status=429,503,504', seed);
      try {
        const seen: number[] = [];
        for (let i = 0; i < 24; i++) seen.push((await app.call({ method: 'GET', url: '/beta/users' })).statusCode);
        const metrics = (await app.call({ method: 'GET', url: '/metrics', token: null })).body;
        for (const status of [429, 503, 504]) {
          const counted = Number(new RegExp(`^pfxstore_faults_injected_total\\{kind="status",status="${status}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
          assert.equal(counted, seen.filter((s) => s === status).length, `${status} counted`);
        }
        assert.equal(app.logs.filter((l) => l.fault === 'status').length, seen.filter((s) => s !== 200).length, 'each logged');
        return seen;
      } finally {
        await app.close();
      }
    };
    const first = await statuses(2024);
    assert.deepEqual(await statuses(2024), first);
    assert.ok(first.includes(200) && first.some((s) => s !== 200), first.join());
    assert.notDeepEqual(await statuses(2025), first);
  });

  test('without --faults there is no fault series at all', async () => {
    t = await makeTestApp(sqliteFactory) as typeof t;
    await createCertificate(t);
    assert.doesNotMatch((await t.call({ method: 'GET', url: '/metrics', token: null })).body, /pfxstore_faults_injected_total/);
  });
});

describe('serve --faults: declared series', () => {
  let t: Awaited<ReturnType<typeof faultApp>>;
  before(async () => { t = await faultApp(sqliteFactory, 'rate=0.1;status=429,504;latency=1s;after-commit=0.1;drop=0.1'); });
  after(() => t.close());

  test('each series the rules can produce is at 0 before the first fault', async () => {
    const metrics = (await t.call({ method: 'GET', url: '/metrics', token: null })).body;
    assert.match(metrics, /^# TYPE pfxstore_faults_injected_total counter$/m);
    for (const labels of ['kind="status",status="429"', 'kind="status",status="504"', 'kind="latency"', 'kind="after_commit",status="503"', 'kind="drop"']) {
      assert.match(metrics, new RegExp(`^pfxstore_faults_injected_total\\{${labels}\\} 0$`, 'm'), labels);
    }
  });
});
