/**
 * The client's JSON batching (src/client/batch.ts) against a real pfxstore behind a proxy that answers chosen
 * requests of a batch itself: how requests are grouped and how many batches are in flight, what each sub-response
 * becomes, the retry of 429/503 sub-responses, and a batch request that fails as a whole.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditApi, namesResource } from '../../src/client/audit-events.js';
import { BatchQueue } from '../../src/client/batch.js';
import { CertificateApi, certificatePath, type PasswordChange } from '../../src/client/certificates.js';
import { GraphRequestError } from '../../src/client/errors.js';
import { GraphClient, type RetryEvent } from '../../src/client/graph-client.js';
import { BatchProxy } from '../helpers/batch-proxy.js';
import { certificateBody } from '../helpers/certificate-fixtures.js';
import { listen, type ListeningServer } from '../helpers/server.js';

const change = (keyName: string): PasswordChange => ({
  encryptedPfxPassword: Buffer.alloc(256, keyName).toString('base64'), providerName: 'Microsoft Software Key Storage Provider', keyName, paddingScheme: 'oaepSha256',
});

describe('client JSON batching ($batch)', () => {
  let server: ListeningServer;
  let proxy: BatchProxy;
  let baseUrl: string;
  let token: string;
  let direct: GraphClient;
  let ids: string[];
  const retries: RetryEvent[] = [];
  /** A client through the proxy, with short waits: Retry-After capped at 1 s, backoff from 20 ms. */
  const clientFor = (retry: Partial<GraphClient['retryPolicy']> = {}) => new GraphClient({
    baseUrl, token, retry: { maxRetryAfterSeconds: 1, baseDelayMs: 20, maxDelayMs: 40, ...retry }, onRetry: (e) => retries.push(e),
  });
  const keyNames = async () => {
    const names: Record<string, string> = {};
    for await (const c of new CertificateApi(direct).list()) names[c.id] = c.keyName;
    return ids.map((id) => names[id]);
  };
  const patchEvents = async (id: string) => {
    let n = 0;
    for await (const e of new AuditApi(direct).list()) if (e.activityOperationType === 'Patch' && namesResource(e, id)) n += 1;
    return n;
  };

  before(async () => {
    server = await listen(['--http']);
    token = await server.token();
    proxy = new BatchProxy(new URL(server.url));
    baseUrl = `${await proxy.start()}/beta`;
    direct = new GraphClient({ baseUrl: `${server.url}/beta`, token });
    ids = [];
    for (let i = 0; i < 45; i++) {
      ids.push((await direct.post<{ id: string }>('deviceManagement/userPfxCertificates', await certificateBody({ userPrincipalName: `b${i}@contoso.com` }))).body.id);
    }
  });
  after(async () => {
    direct?.close();
    await Promise.all([proxy?.stop(), server?.stop()]);
  });

  it('what is sent in one turn goes in batches of 20 (20, 20, 5), no more batches in flight than allowed; each request gets its own answer', async () => {
    proxy.reset();
    const client = clientFor();
    const api = new CertificateApi(client, { batchesInFlight: 2 });
    await Promise.all(ids.map((id) => api.changePassword(id, change('Grouped'))));
    client.close();
    assert.deepEqual(proxy.batches.map((b) => b.length), [20, 20, 5]);
    assert.deepEqual(proxy.batches.flat().map((r) => [r.method, r.url]), ids.map((id) => ['PATCH', `/${certificatePath(id)}`]));
    assert.equal(proxy.mostInFlight, 2);
    assert.deepEqual(await keyNames(), ids.map(() => 'Grouped'));
  });

  it('a 429 sub-response is retried after its Retry-After (capped), alone in a later batch; the record changes once', async () => {
    proxy.reset({ sub: (r, nth) => (r.url.endsWith(ids[3]!) && nth === 1 ? { status: 429, retryAfter: '3600' } : 'forward') });
    retries.length = 0;
    const client = clientFor();
    const api = new CertificateApi(client, { batchesInFlight: 4 });
    const before = await patchEvents(ids[3]!);
    await Promise.all(ids.slice(0, 5).map((id) => api.changePassword(id, change('Throttled'))));
    client.close();
    assert.deepEqual(proxy.batches.map((b) => b.length), [5, 1]);
    assert.equal(proxy.batches[1]![0]!.url, `/${certificatePath(ids[3]!)}`);
    assert.deepEqual(retries.map((e) => [e.method, e.path, e.attempt, e.reason, e.delayMs]),
      [['PATCH', `/beta/${certificatePath(ids[3]!)}`, 2, '429', 1000]], 'Retry-After: 3600, cut to the policy\'s 1 s');
    assert.deepEqual((await keyNames()).slice(0, 5), Array(5).fill('Throttled'));
    assert.equal(await patchEvents(ids[3]!), before + 1, 'the throttled request never reached the server; its retry did');
  });

  it('a 503 sub-response without Retry-After backs off; one that stays throttled fails with its own error after the last attempt', async () => {
    proxy.reset({ sub: (r, nth) => (r.url.endsWith(ids[0]!) && nth === 1 ? { status: 503, code: 'ServiceUnavailable' }
      : r.url.endsWith(ids[1]!) ? { status: 429, retryAfter: '0', message: 'slow down' } : 'forward') });
    retries.length = 0;
    const client = clientFor({ maxAttempts: 3 });
    const api = new CertificateApi(client);
    const results = await Promise.allSettled(ids.slice(0, 3).map((id) => api.changePassword(id, change('Backoff'))));
    client.close();
    assert.equal(results[0]!.status, 'fulfilled');
    assert.equal(results[2]!.status, 'fulfilled');
    const failed = (results[1] as PromiseRejectedResult).reason;
    assert.ok(failed instanceof GraphRequestError);
    assert.deepEqual([failed.status, failed.code, failed.serverMessage], [429, 'TooManyRequests', 'slow down']);
    const backoff = retries.find((e) => e.reason === '503')!;
    assert.ok(backoff.delayMs >= 10 && backoff.delayMs <= 20, `backoff of the first retry: ${backoff.delayMs} ms`);
    assert.deepEqual(retries.filter((e) => e.reason === '429').map((e) => [e.attempt, e.delayMs]), [[2, 0], [3, 0]]);
    const sent = (id: string) => proxy.batches.flat().filter((r) => r.url.endsWith(id)).length;
    assert.deepEqual(ids.slice(0, 3).map(sent), [2, 3, 1], 'the 503 retried once; the 429 sent three times (maxAttempts 3)');
  });

  it('any other status fails that request with the Graph error of its answer; the rest of its batch goes through', async () => {
    proxy.reset({ sub: (r) => (r.url.endsWith(ids[2]!) ? { status: 409, code: 'Conflict', message: 'made up by the proxy' } : 'forward') });
    const client = clientFor();
    const api = new CertificateApi(client);
    const missing = 'ffffffffffffffffffffffffffffffff-0000000000000000000000000000000000000000';
    const results = await Promise.allSettled([...ids.slice(0, 3), missing].map((id) => api.changePassword(id, change('Mixed'))));
    client.close();
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    const [conflict, notFound] = [(results[2] as PromiseRejectedResult).reason, (results[3] as PromiseRejectedResult).reason];
    assert.ok(conflict instanceof GraphRequestError && notFound instanceof GraphRequestError);
    assert.equal(conflict.message, '409 Conflict: made up by the proxy');
    assert.equal(notFound.status, 404, 'the server\'s own answer');
    assert.equal(notFound.code, 'ResourceNotFound');
    assert.match(notFound.serverMessage, new RegExp(missing));
    assert.match(notFound.message, /\(request-id [0-9a-f-]+\)$/);
    assert.deepEqual(proxy.batches.map((b) => b.length), [4]);
    assert.deepEqual((await keyNames()).slice(0, 3), ['Mixed', 'Mixed', 'Backoff']);
  });

  it('a batch whose connection drops is sent again (its PATCHes are idempotent); a 500 for the whole batch fails each of its requests', async () => {
    proxy.reset({ batch: (nth) => (nth === 1 ? 'drop' : 'forward') });
    retries.length = 0;
    const client = clientFor();
    const api = new CertificateApi(client);
    await Promise.all(ids.slice(0, 2).map((id) => api.changePassword(id, change('Dropped'))));
    assert.deepEqual(proxy.batches.map((b) => b.length), [2, 2]);
    assert.deepEqual(retries.map((e) => [e.method, e.path, e.reason]), [['POST', '/beta/$batch', 'ECONNRESET']]);
    assert.deepEqual((await keyNames()).slice(0, 2), ['Dropped', 'Dropped']);

    proxy.reset({ batch: () => 500 });
    const results = await Promise.allSettled(ids.slice(0, 2).map((id) => api.changePassword(id, change('Lost'))));
    client.close();
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof GraphRequestError && r.reason.status === 500, String(r.reason));
      assert.match(r.reason.message, /the proxy answered the whole batch 500/);
    }
  });

  it('a queue of batches of one sends one request a batch', async () => {
    proxy.reset();
    const client = clientFor();
    const single = new BatchQueue(client, { batchesInFlight: 2, maxRequests: 1 });
    const answers = await Promise.all(ids.slice(0, 3).map((id) => single.send<{ id: string }>({ method: 'GET', path: certificatePath(id), idempotent: true })));
    client.close();
    assert.deepEqual(answers.map((a) => [a.status, a.body.id]), ids.slice(0, 3).map((id) => [200, id]));
    assert.deepEqual(proxy.batches.map((b) => b.length), [1, 1, 1]);
  });

  it('an answer that lacks a request\'s response fails that request, naming it; one that is not a batch answer fails them all', async () => {
    proxy.reset({ sub: (r) => (r.url.endsWith(ids[1]!) ? 'omit' : 'forward') });
    const client = clientFor();
    const queue = new BatchQueue(client, { batchesInFlight: 1 });
    const send = (id: string) => queue.send({ method: 'GET', path: certificatePath(id), idempotent: true });
    const results = await Promise.allSettled(ids.slice(0, 2).map(send));
    assert.equal(results[0]!.status, 'fulfilled');
    assert.match(String((results[1] as PromiseRejectedResult).reason),
      new RegExp(`the server's answer to \\$batch has no response for GET /deviceManagement/userPfxCertificates/${ids[1]}`));

    proxy.reset({ batch: () => ({ body: { value: [] } }) });
    for (const r of await Promise.allSettled(ids.slice(0, 2).map(send))) {
      assert.match(String((r as PromiseRejectedResult).reason), /the server's answer to \$batch is not a batch response \(no 'responses' array\)/);
    }
    client.close();
  });
});
