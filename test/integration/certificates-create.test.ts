import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { CERTS, certificateBody, createCertificate, graphError, pfxBlob, thumbprint } from '../helpers/certificate-fixtures.js';
import { storeFactories } from '../helpers/stores.js';

for (const factory of await storeFactories()) {
  describe(`create certificates (${factory.name})`, () => {
    let t: TestApp;
    before(async () => { t = await makeTestApp(factory); });
    after(() => t.close());

    test('POST creates: 201, Location, $entity context, @odata.type, camelCase enums, secrets echoed', async () => {
      const body = await certificateBody({ intendedPurpose: 'SmimeEncryption', paddingScheme: 'OaepSha512', thumbprint: 'AB CD EF 01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF 01' });
      const res = await t.call({ method: 'POST', url: CERTS, json: body });
      assert.equal(res.statusCode, 201, res.body);
      const created = res.json();
      assert.match(created.id, /^[0-9a-f]{32}-abcdef0123456789abcdef0123456789abcdef01$/);
      assert.equal(res.headers.location, `http://localhost:80/beta/deviceManagement/userPfxCertificates/${created.id}`);
      assert.equal(created['@odata.context'], 'http://localhost:80/beta/$metadata#deviceManagement/userPfxCertificates/$entity');
      assert.equal(created['@odata.type'], '#microsoft.graph.userPFXCertificate');
      assert.equal(created.thumbprint, 'abcdef0123456789abcdef0123456789abcdef01');
      assert.equal(created.intendedPurpose, 'smimeEncryption');
      assert.equal(created.paddingScheme, 'oaepSha512');
      assert.equal(created.startDateTime, '2026-01-01T00:00:00Z');
      assert.equal(created.encryptedPfxBlob, body.encryptedPfxBlob);
      assert.equal(created.encryptedPfxPassword, body.encryptedPfxPassword);
      assert.match(created.createdDateTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      assert.equal(res.headers['content-type'], 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8');
    });

    test('enum numbers and defaults; dates with offsets and 7 fractional digits keep their instant', async () => {
      const created = await createCertificate(t, {
        intendedPurpose: 4, paddingScheme: undefined, startDateTime: '2026-03-01T10:00:00.1234567+02:00',
      });
      assert.equal(created.intendedPurpose, 'vpn');
      assert.equal(created.paddingScheme, 'oaepSha512');
      assert.equal(created.startDateTime, '2026-03-01T08:00:00.1234567Z');
      const noPurpose = await certificateBody();
      delete noPurpose.intendedPurpose;
      const res = await t.call({ method: 'POST', url: CERTS, json: noPurpose });
      assert.equal(res.json().intendedPurpose, 'unassigned');
    });

    test('POST …/$ref creates identically; {"@odata.id"} answers 204 when it exists, else 404', async () => {
      const res = await t.call({ method: 'POST', url: `${CERTS}/$ref`, json: await certificateBody() });
      assert.equal(res.statusCode, 201, res.body);
      const id = res.json().id;
      const exists = await t.call({ method: 'POST', url: `${CERTS}/$ref`, json: { '@odata.id': `https://graph.microsoft.com/beta/deviceManagement/userPfxCertificates('${id}')` } });
      assert.equal(exists.statusCode, 204);
      const missing = await t.call({ method: 'POST', url: `${CERTS}/$ref`, json: { '@odata.id': `${CERTS}/${id.slice(0, 33)}${thumbprint()}` } });
      graphError(missing, 404, 'ResourceNotFound', /No userPfxCertificate with id/);
    });

    test("the original API page's placeholder body: 400 naming each bad property and the allowed enum values", async () => {
      const res = await t.call({
        method: 'POST', url: CERTS, json: {
          '@odata.type': '#microsoft.graph.userPFXCertificate',
          thumbprint: 'Thumbprint value',
          intendedPurpose: 'String',
          userPrincipalName: 'User Principal Name value',
          startDateTime: '2016-12-31T23:58:46.7156189-08:00',
          expirationDateTime: '2016-12-31T23:57:57.2481234-08:00',
          providerName: 'Provider Name value',
          keyName: 'Key Name value',
          paddingScheme: 'String',
          encryptedPfxBlob: 'ZW5jcnlwdGVkUGZ4QmxvYg==',
          encryptedPfxPassword: 'Encrypted Pfx Password value',
          createdDateTime: '2017-01-01T00:00:35.1329464-08:00',
          lastModifiedDateTime: '2017-01-01T00:03:07.1589002-08:00',
        },
      });
      graphError(res, 400, 'BadRequest', /intendedPurpose.*'String'.*'unassigned', 'smimeEncryption', 'smimeSigning', 'vpn', 'wifi'/);
      const message = res.json().error.message as string;
      for (const name of ['thumbprint', 'paddingScheme', 'userPrincipalName', 'encryptedPfxBlob', 'encryptedPfxPassword', 'startDateTime']) {
        assert.match(message, new RegExp(`'${name}'`), `message names ${name}: ${message}`);
      }
      assert.match(message, /'oaepSha256', 'oaepSha384', 'oaepSha512'/);
    });

    test('missing required properties are each named', async () => {
      const res = await t.call({ method: 'POST', url: CERTS, json: { intendedPurpose: 'vpn' } });
      graphError(res, 400, 'BadRequest', /'thumbprint' is required/);
      for (const name of ['userPrincipalName', 'startDateTime', 'expirationDateTime', 'providerName', 'keyName', 'encryptedPfxBlob', 'encryptedPfxPassword']) {
        assert.match(res.json().error.message, new RegExp(`'${name}' is required`));
      }
    });

    const invalid: [string, Record<string, unknown>, RegExp][] = [
      ['unknown property', { colour: 'blue' }, /property 'colour' does not exist on type 'microsoft.graph.userPFXCertificate'/],
      ['wrong @odata.type', { '@odata.type': '#microsoft.graph.user' }, /'@odata.type' must be '#microsoft.graph.userPFXCertificate'/],
      ['wrong JSON type', { keyName: 42 }, /'keyName' must be a string, not 42/],
      ['null in a required property', { providerName: null }, /'providerName' must not be null/],
      ['empty providerName', { providerName: '  ' }, /'providerName' must not be empty/],
      ['invalid base64 blob', { encryptedPfxBlob: 'not base64!!' }, /'encryptedPfxBlob' must be base64/],
      ['a blob that is not PKCS#12', { encryptedPfxBlob: Buffer.from('{"hello":"world"}').toString('base64') }, /'encryptedPfxBlob' must be a DER-encoded PKCS#12/],
      ['a plaintext password', { encryptedPfxPassword: 'P@ssw0rd!' }, /'encryptedPfxPassword' must be the base64 of the RSA-encrypted PFX password.*plaintext password is refused/],
      ['start after expiration', { startDateTime: '2028-01-01T00:00:00Z' }, /'startDateTime' must be before 'expirationDateTime'/],
      ['a date without an offset', { expirationDateTime: '2027-01-01T00:00:00' }, /'expirationDateTime' must be an ISO 8601 date-time with an offset or Z/],
      ['an impossible date', { expirationDateTime: '2027-02-30T00:00:00Z' }, /'expirationDateTime' must be an ISO 8601/],
      ['a bad enum', { intendedPurpose: 'email' }, /'intendedPurpose' has the invalid value 'email'; allowed values of userPfxIntendedPurpose/],
      ['a bad UPN', { userPrincipalName: 'alice' }, /'userPrincipalName' must look like 'user@domain'/],
      ['a short thumbprint', { thumbprint: 'abc' }, /'thumbprint' must be the certificate's SHA-1 hash as 40 hex digits/],
      ['hostile strings', { keyName: "'; DROP TABLE user_pfx_certificates; --", thumbprint: "' or 1 eq 1" }, /'thumbprint' must be/],
    ];
    for (const [name, overrides, message] of invalid) {
      test(`400 for ${name}, and nothing is stored`, async () => {
        const before = Number((await t.call({ method: 'GET', url: `${CERTS}/$count` })).body);
        const res = await t.call({ method: 'POST', url: CERTS, json: await certificateBody(overrides) });
        graphError(res, 400, 'BadRequest', message);
        const after = Number((await t.call({ method: 'GET', url: `${CERTS}/$count` })).body);
        assert.equal(after, before);
      });
    }

    test('client-sent id, createdDateTime, lastModifiedDateTime and annotations are ignored', async () => {
      const created = await createCertificate(t, {
        id: 'mine', createdDateTime: '2001-01-01T00:00:00Z', 'keyName@odata.type': '#String', '@odata.etag': 'W/"1"',
      });
      assert.notEqual(created.id, 'mine');
      assert.notEqual(created.createdDateTime, '2001-01-01T00:00:00Z');
    });

    test('the same user and thumbprint again: 409, nothing changed', async () => {
      const tp = thumbprint();
      const first = await createCertificate(t, { thumbprint: tp, keyName: 'first' });
      const res = await t.call({ method: 'POST', url: CERTS, json: await certificateBody({ thumbprint: tp.toUpperCase(), keyName: 'second', userPrincipalName: 'ALICE@contoso.com' }) });
      graphError(res, 409, 'Conflict', new RegExp(`thumbprint '${tp}' already exists for user 'alice@contoso.com'`));
      const stored = (await t.call({ method: 'GET', url: `${CERTS}/${first.id}` })).json();
      assert.equal(stored.keyName, 'first');
    });

    test('the same thumbprint for another user is another certificate', async () => {
      const tp = thumbprint();
      const a = await createCertificate(t, { thumbprint: tp, userPrincipalName: 'bob@contoso.com' });
      const b = await createCertificate(t, { thumbprint: tp, userPrincipalName: 'carol@contoso.com' });
      assert.notEqual(a.id, b.id);
    });

    test('an unknown owner is created as a user; its id is the first half of the certificate id', async () => {
      const created = await createCertificate(t, { userPrincipalName: 'Dave@Contoso.com' });
      const users = await t.call({ method: 'GET', url: "/beta/users?$filter=userPrincipalName eq 'dave@contoso.com'" });
      const [user] = users.json().value;
      assert.equal(user.userPrincipalName, 'Dave@Contoso.com');
      assert.equal((created.id as string).split('-')[0], (user.id as string).replace(/-/g, ''));
    });

    test('a gzip-compressed body is accepted (the kiota SDK sends them); deflate too', async () => {
      const body = Buffer.from(JSON.stringify(await certificateBody()));
      const gz = await t.call({ method: 'POST', url: CERTS, payload: gzipSync(body), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
      assert.equal(gz.statusCode, 201, gz.body);
      const { deflateSync } = await import('node:zlib');
      const df = await t.call({ method: 'POST', url: CERTS, payload: deflateSync(Buffer.from(JSON.stringify(await certificateBody()))), headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' } });
      assert.equal(df.statusCode, 201, df.body);
      // Every route that takes a body decompresses it: an update, and a user create.
      const gzHeaders = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
      const patched = await t.call({ method: 'PATCH', url: `${CERTS}/${gz.json().id}`, payload: gzipSync(JSON.stringify({ keyName: 'GzipKey' })), headers: gzHeaders });
      assert.equal(patched.statusCode, 204, patched.body);
      assert.equal((await t.call({ method: 'GET', url: `${CERTS}/${gz.json().id}` })).json().keyName, 'GzipKey');
      const user = await t.call({ method: 'POST', url: '/beta/users', payload: gzipSync(JSON.stringify({ userPrincipalName: 'gzip@contoso.com' })), headers: gzHeaders });
      assert.equal(user.statusCode, 201, user.body);
    });

    test('a corrupt gzip body: 400; an unsupported Content-Encoding: 415', async () => {
      const bad = await t.call({ method: 'POST', url: CERTS, payload: Buffer.from('not gzip at all'), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
      graphError(bad, 400, 'BadRequest', /not valid gzip/);
      const br = await t.call({ method: 'POST', url: CERTS, payload: Buffer.from('{}'), headers: { 'content-type': 'application/json', 'content-encoding': 'br' } });
      graphError(br, 415, 'UnsupportedMediaType', /Content-Encoding 'br' is not supported/);
    });

    test('malformed JSON, a non-object body, an empty body, a wrong content type', async () => {
      const headers = { 'content-type': 'application/json' };
      graphError(await t.call({ method: 'POST', url: CERTS, payload: '{"thumbprint": ', headers }), 400, 'BadRequest', /not valid JSON/);
      graphError(await t.call({ method: 'POST', url: CERTS, payload: '[1,2]', headers }), 400, 'BadRequest', /must be a JSON object.*not an array/);
      graphError(await t.call({ method: 'POST', url: CERTS, payload: '', headers }), 400, 'BadRequest', /body is empty/);
      graphError(await t.call({ method: 'POST', url: CERTS, payload: 'thumbprint=1', headers: { 'content-type': 'text/plain' } }), 415, 'UnsupportedMediaType', /Content-Type 'text\/plain' is not supported/);
    });

    test('deeply nested JSON is a 400, not a crash', async () => {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      const res = await t.call({ method: 'POST', url: CERTS, payload: `{"keyName": ${deep}}`, headers: { 'content-type': 'application/json' } });
      assert.equal(res.statusCode, 400, res.body);
    });

    test('a body over the limit: 413, also when it is compressed', async () => {
      const huge = await certificateBody({ keyName: 'x'.repeat(1_100_000) });
      graphError(await t.call({ method: 'POST', url: CERTS, json: huge }), 413, 'RequestEntityTooLarge', /exceeds the limit of 1048576 bytes/);
      const bomb = gzipSync(Buffer.from(JSON.stringify(huge)));
      assert.ok(bomb.length < 100_000);
      graphError(await t.call({ method: 'POST', url: CERTS, payload: bomb, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }),
        413, 'RequestEntityTooLarge', /exceeds the limit/);
    });

    test('the PFX blob sits in the store encrypted, never as sent', async () => {
      const created = await createCertificate(t);
      const row = await t.store.get((await import('../../src/model/certificate.js')).certificateEntity, t.identity.tenantId, created.id as string, { withSecrets: true });
      const blob = row!.encryptedPfxBlob as Buffer;
      assert.ok(!blob.equals(await pfxBlob()));
      assert.ok(!blob.includes((await pfxBlob()).subarray(0, 64)));
      assert.ok(!(row!.encryptedPfxPassword as Buffer).toString('utf8').includes(created.encryptedPfxPassword as string));
    });
  });
}
