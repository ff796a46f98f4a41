import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Client } from '@microsoft/microsoft-graph-client';
import { certificateBody } from '../helpers/certificate-fixtures.js';
import { graphClientFor } from '../helpers/graph-client.js';
import { listen, type ListeningServer } from '../helpers/server.js';

/**
 * The Microsoft Graph JavaScript client, unmodified, with its default middleware (whose RetryHandler retries 429,
 * 503 and 504 after Retry-After, up to 3 times) against `serve --faults` answering half the requests 429. The
 * requests go one after another, so the seed fixes which are refused: with seed 3, three are (seed 5 refuses one 4 times running, one more than
 * the handler's 3 retries).
 */
describe('the Graph JS client\'s RetryHandler against injected 429s', () => {
  let server: ListeningServer;
  let client: Client;
  let restore: () => void;

  before(async () => {
    server = await listen(['--faults', 'rate=0.5;status=429', '--faults-seed', '3']);
    ({ client, restore } = await graphClientFor(server));
  });
  after(async () => {
    restore();
    await server.stop();
  });

  test('creates, reads and lists succeed, each after waiting out the Retry-After of its 429s', async () => {
    const started = Date.now();
    const created = [];
    for (let i = 0; i < 3; i++) {
      created.push(await client.api('/deviceManagement/userPfxCertificates').post(await certificateBody({ userPrincipalName: `retry${i}@contoso.com` })));
    }
    for (const c of created) assert.equal((await client.api(`/deviceManagement/userPfxCertificates/${c.id}`).get()).thumbprint, c.thumbprint);
    const list = await client.api('/deviceManagement/userPfxCertificates').get();
    assert.deepEqual(list.value.map((c: { id: string }) => c.id).sort(), created.map((c) => c.id).sort());

    const metrics = await fetch(`${server.url}/metrics`).then((res) => res.text());
    const injected = Number(/^pfxstore_faults_injected_total\{kind="status",status="429"\} (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(injected > 0, 'some requests were refused');
    // Retry-After: 1 on each, which the handler honours (in whole seconds, plus a little randomness).
    assert.ok(Date.now() - started >= injected * 1000, `${injected} retries in ${Date.now() - started} ms`);
    const requests = [...metrics.matchAll(/^pfxstore_http_requests_total\{route="\/beta\/deviceManagement\/userPfxCertificates[^"]*",method="(?:GET|POST)",status="(\d+)"\} (\d+)$/gm)];
    assert.equal(requests.filter(([, s]) => s === '429').reduce((n, [, , c]) => n + Number(c), 0), injected, 'every 429 was followed by a retry');
  });
});
