import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Client, type GraphError, PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import { JsonParseNode } from '@microsoft/kiota-serialization-json';
import { createUserPFXCertificateFromDiscriminatorValue, type UserPFXCertificate } from '@microsoft/msgraph-beta-sdk/models/index.js';
import { certificateBody } from '../helpers/certificate-fixtures.js';
import { graphClientFor } from '../helpers/graph-client.js';
import { listen, type ListeningServer } from '../helpers/server.js';

/**
 * The real Microsoft Graph JavaScript client against a real HTTPS pfxstore: only the base URL and the token
 * differ from talking to graph.microsoft.com. Node's fetch trusts the dev CA through an undici Agent, as a
 * user would configure it (or with NODE_EXTRA_CA_CERTS).
 */
describe('the Microsoft Graph JavaScript client against pfxstore over HTTPS', () => {
  let server: ListeningServer;
  let client: Client;
  let restore: () => void;
  const created: Record<string, any>[] = [];

  before(async () => {
    server = await listen();
    ({ client, restore } = await graphClientFor(server));
  });
  after(async () => {
    restore();
    await server.stop();
  });

  test('create with .post(): 201 body as Graph returns it', async () => {
    for (let i = 0; i < 7; i++) {
      created.push(await client.api('/deviceManagement/userPfxCertificates').post(await certificateBody({ userPrincipalName: `client${i % 2}@contoso.com` })));
    }
    assert.equal(created[0]['@odata.type'], '#microsoft.graph.userPFXCertificate');
    assert.match(created[0].id, /^[0-9a-f]{32}-[0-9a-f]{40}$/);
  });

  test('get, and list with .filter(), .select(), .top()', async () => {
    const one = await client.api(`/deviceManagement/userPfxCertificates/${created[0].id}`).get();
    assert.equal(one.thumbprint, created[0].thumbprint);
    const page = await client.api('/deviceManagement/userPfxCertificates')
      .filter("tolower(userPrincipalName) eq 'client1@contoso.com'")
      .select(['thumbprint', 'userPrincipalName'])
      .top(2)
      .get();
    assert.equal(page.value.length, 2);
    assert.deepEqual(Object.keys(page.value[0]).sort(), ['@odata.type', 'id', 'thumbprint', 'userPrincipalName']);
    assert.ok(page['@odata.nextLink'], 'more than one page');
  });

  test('the PageIterator follows @odata.nextLink over several pages', async () => {
    const first: PageCollection = await client.api('/deviceManagement/userPfxCertificates').top(2).get();
    const seen: string[] = [];
    const iterator = new PageIterator(client, first, (item) => { seen.push(item.id); return true; });
    await iterator.iterate();
    assert.deepEqual(seen, created.map((c) => c.id));
  });

  test('update with .patch() and delete with .delete()', async () => {
    await client.api(`/deviceManagement/userPfxCertificates/${created[1].id}`).patch({ intendedPurpose: 'vpn' });
    assert.equal((await client.api(`/deviceManagement/userPfxCertificates/${created[1].id}`).get()).intendedPurpose, 'vpn');
    await client.api(`/deviceManagement/userPfxCertificates/${created[2].id}`).delete();
    await assert.rejects(client.api(`/deviceManagement/userPfxCertificates/${created[2].id}`).get(),
      (err: GraphError) => err.statusCode === 404 && err.code === 'ResourceNotFound');
  });

  test('a bad request surfaces as a GraphError with statusCode, code and message', async () => {
    await assert.rejects(
      client.api('/deviceManagement/userPfxCertificates').post(await certificateBody({ intendedPurpose: 'String' })),
      (err: GraphError) => {
        assert.equal(err.statusCode, 400);
        assert.equal(err.code, 'BadRequest');
        assert.match(err.message, /intendedPurpose/);
        assert.match(String(err.requestId), /^[0-9a-f-]{36}$/);
        return true;
      });
  });

  test('the kiota model parser of @microsoft/msgraph-beta-sdk reads a created entity: enums and dates', async () => {
    const body = await client.api('/deviceManagement/userPfxCertificates').post(await certificateBody({
      intendedPurpose: 'SmimeSigning', paddingScheme: 'OaepSha384', startDateTime: '2026-02-03T04:05:06.789Z',
    }));
    const parsed = new JsonParseNode(body).getObjectValue(createUserPFXCertificateFromDiscriminatorValue) as UserPFXCertificate;
    assert.equal(parsed.intendedPurpose, 'smimeSigning');
    assert.equal(parsed.paddingScheme, 'oaepSha384');
    assert.equal(parsed.startDateTime?.toISOString(), '2026-02-03T04:05:06.789Z');
    assert.equal(parsed.thumbprint, body.thumbprint);
    assert.equal(parsed.encryptedPfxPassword, body.encryptedPfxPassword);
    assert.ok(parsed.createdDateTime instanceof Date);
  });
});
