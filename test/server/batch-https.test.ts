import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { BatchRequestContent, BatchResponseContent, Client } from '@microsoft/microsoft-graph-client';
import { Agent, fetch, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { certificateBody, CERTS } from '../helpers/certificate-fixtures.js';
import { listen, type ListeningServer } from '../helpers/server.js';

/**
 * `$batch` over a real HTTPS listener: the absolute URLs in its answers are the outer request's (scheme, host,
 * port) or --public-url, and a nextLink taken from a batched page leads to the next page.
 */
describe('$batch over HTTPS', () => {
  let server: ListeningServer;
  let agent: Agent;
  let token: string;
  const call = (url: string, init: { method?: string; body?: unknown } = {}) => fetch(url, {
    method: init.method ?? 'GET',
    dispatcher: agent,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

  before(async () => {
    server = await listen();
    agent = new Agent({ connect: { ca: readFileSync(server.caPath!) } });
    token = await server.token();
    for (let i = 0; i < 3; i++) assert.equal((await call(`${server.url}${CERTS}`, { method: 'POST', body: await certificateBody({ userPrincipalName: 'paged@contoso.com' }) })).status, 201);
  });
  after(async () => {
    await agent.close();
    await server.stop();
  });

  test('@odata.context, @odata.nextLink and Location use the outer scheme, host and port; the nextLink is followed', async () => {
    const res = await call(`${server.url}/beta/$batch`, { method: 'POST', body: { requests: [
      { id: 'page', method: 'GET', url: '/deviceManagement/userPfxCertificates?$top=2' },
      { id: 'create', method: 'POST', url: '/beta/deviceManagement/userPfxCertificates', body: await certificateBody({ userPrincipalName: 'paged@contoso.com' }) },
    ] } });
    assert.equal(res.status, 200);
    const { responses } = await res.json() as { responses: any[] };
    const [page, created] = responses;
    assert.equal(page['body']['@odata.context'], `${server.url}/beta/$metadata#deviceManagement/userPfxCertificates`);
    const nextLink: string = page.body['@odata.nextLink'];
    assert.ok(nextLink.startsWith(`${server.url}/beta/deviceManagement/userPfxCertificates?`), nextLink);
    assert.equal(created.status, 201);
    assert.ok(created.headers.location.startsWith(`${server.url}/beta/deviceManagement/userPfxCertificates/`), created.headers.location);
    assert.equal(created.body['@odata.context'], `${server.url}/beta/$metadata#deviceManagement/userPfxCertificates/$entity`);
    const next = await call(nextLink);
    assert.equal(next.status, 200);
    const rest = await next.json() as { value: { id: string }[] };
    assert.equal(rest.value.length, 2, 'the last stored certificate and the one the batch created');
    assert.ok(!page.body.value.some((c: { id: string }) => rest.value.some((r) => r.id === c.id)), 'no row twice');
  });

  test("the Graph JS client's BatchRequestContent (URLs with the version segment) runs against pfxstore", async (t) => {
    const client = Client.init({
      authProvider: (done) => done(null, token),
      baseUrl: `${server.url}/`,
      defaultVersion: 'beta',
      customHosts: new Set([new URL(server.url).hostname]),
    });
    // The Graph client uses Node's global fetch: it trusts the dev CA through the global dispatcher.
    const previous = getGlobalDispatcher();
    setGlobalDispatcher(agent);
    t.after(() => setGlobalDispatcher(previous));
    const content = new BatchRequestContent([
      { id: 'list', request: new Request(`${server.url}/beta/deviceManagement/userPfxCertificates?$top=1`, { method: 'GET' }) },
      { id: 'user', request: new Request(`${server.url}/beta/users/paged@contoso.com`, { method: 'GET' }) },
    ]);
    const payload = await content.getContent();
    assert.match(payload.requests[0].url, /^\/beta\/deviceManagement/, 'the client keeps the version segment');
    const answer = new BatchResponseContent(await client.api('/$batch').post(payload));
    const list = answer.getResponseById('list');
    assert.equal(list.status, 200);
    const body = await list.json();
    assert.equal(body.value.length, 1);
    assert.ok(body['@odata.nextLink'].startsWith(server.url));
    assert.equal((await answer.getResponseById('user').json()).userPrincipalName, 'paged@contoso.com');
  });

  test('with --public-url the answers of a batch name the public origin', async () => {
    const proxied = await listen(['--public-url', 'https://pfx.contoso.example']);
    try {
      const proxyAgent = new Agent({ connect: { ca: readFileSync(proxied.caPath!) } });
      const res = await fetch(`${proxied.url}/beta/$batch`, {
        method: 'POST', dispatcher: proxyAgent,
        headers: { authorization: `Bearer ${await proxied.token()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/users' }] }),
      });
      const { responses } = await res.json() as { responses: any[] };
      assert.equal(responses[0].body['@odata.context'], 'https://pfx.contoso.example/beta/$metadata#users');
      await proxyAgent.close();
    } finally {
      await proxied.stop();
    }
  });
});
