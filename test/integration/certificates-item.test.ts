import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { CERTS, createCertificate, graphError, thumbprint } from '../helpers/certificate-fixtures.js';
import { storeFactories } from '../helpers/stores.js';

for (const factory of await storeFactories()) {
  describe(`read, update and delete one certificate (${factory.name})`, () => {
    let t: TestApp;
    before(async () => { t = await makeTestApp(factory); });
    afterEach(() => t.clock.release());
    after(() => t.close());

    test('every key syntax reads the same entity; secrets are null without the export role', async () => {
      const created = await createCertificate(t);
      const id = created.id as string;
      const [user, tp] = id.split('-');
      const hyphenated = `${user.slice(0, 8)}-${user.slice(8, 12)}-${user.slice(12, 16)}-${user.slice(16, 20)}-${user.slice(20)}-${tp}`;
      for (const path of [`/${id}`, `('${id}')`, `(${id})`, `/${id.toUpperCase()}`, `('${hyphenated}')`, `/${hyphenated.toUpperCase()}`, `(%27${id}%27)`]) {
        const res = await t.call({ method: 'GET', url: `${CERTS}${path}` });
        assert.equal(res.statusCode, 200, `${path}: ${res.body}`);
        const body = res.json();
        assert.equal(body.id, id);
        assert.equal(body['@odata.context'], 'http://localhost:80/beta/$metadata#deviceManagement/userPfxCertificates/$entity');
        assert.equal(body.encryptedPfxBlob, null);
        assert.equal(body.encryptedPfxPassword, null);
        assert.equal(body.keyName, 'PFXEncryptionKey');
      }
    });

    test('$select applies to a single entity', async () => {
      const { id } = await createCertificate(t);
      const body = (await t.call({ method: 'GET', url: `${CERTS}/${id}?$select=thumbprint,expirationDateTime` })).json();
      assert.deepEqual(Object.keys(body).sort(), ['@odata.context', '@odata.type', 'expirationDateTime', 'id', 'thumbprint']);
      graphError(await t.call({ method: 'GET', url: `${CERTS}/${id}?$select=colour` }), 400, 'BadRequest', /colour/);
    });

    test('absent: 404; a malformed key: 400 that says what a key looks like', async () => {
      graphError(await t.call({ method: 'GET', url: `${CERTS}/${'0'.repeat(32)}-${thumbprint()}` }), 404, 'ResourceNotFound', /No userPfxCertificate with id/);
      graphError(await t.call({ method: 'GET', url: `${CERTS}/nope` }), 400, 'BadRequest', /Invalid key 'nope'.*'\{user id\}-\{thumbprint\}'/);
    });

    test("PATCH with the PowerShell module's whole object on the unquoted key: 204, changes kept, lastModifiedDateTime moves", async () => {
      // The service's clock, not a sleep, puts the PATCH a known time after the create. It stays near the real
      // time (a whole second + 123 ms), which the tokens' iat and exp are checked against by the same clock.
      const createdAt = Math.floor(Date.now() / 1000) * 1000 + 123;
      const patchedAt = createdAt + 61_234;
      t.clock.set(createdAt);
      const created = await createCertificate(t);
      assert.equal(created.createdDateTime, new Date(createdAt).toISOString());
      assert.equal(created.lastModifiedDateTime, new Date(createdAt).toISOString());
      t.clock.set(patchedAt);
      const whole = {
        '@odata.type': '#microsoft.graph.userPFXCertificate',
        id: created.id, thumbprint: (created.thumbprint as string).toUpperCase(), userPrincipalName: 'ALICE@contoso.com',
        intendedPurpose: 'SmimeSigning', paddingScheme: 'OaepSha256', providerName: 'Other Provider', keyName: 'OtherKey',
        startDateTime: created.startDateTime, expirationDateTime: '2028-06-01T00:00:00Z',
        encryptedPfxBlob: created.encryptedPfxBlob, encryptedPfxPassword: created.encryptedPfxPassword,
        createdDateTime: created.createdDateTime, lastModifiedDateTime: created.lastModifiedDateTime,
      };
      const res = await t.call({ method: 'PATCH', url: `${CERTS}(${created.id})`, json: whole });
      assert.equal(res.statusCode, 204, res.body);
      assert.equal(res.body, '');
      const after = (await t.call({ method: 'GET', url: `${CERTS}/${created.id}` })).json();
      assert.equal(after.intendedPurpose, 'smimeSigning');
      assert.equal(after.paddingScheme, 'oaepSha256');
      assert.equal(after.providerName, 'Other Provider');
      assert.equal(after.expirationDateTime, '2028-06-01T00:00:00Z');
      assert.equal(after.createdDateTime, created.createdDateTime);
      // Compare instants, not text: trailing zero fractions are trimmed on the wire ('…29.1Z' is after '…29.13Z' as text).
      assert.ok(Date.parse(after.lastModifiedDateTime) > Date.parse(created.lastModifiedDateTime as string), 'lastModifiedDateTime moved on');
      assert.equal(after.lastModifiedDateTime, new Date(patchedAt).toISOString(), 'lastModifiedDateTime is the time of the PATCH');
    });

    test('PATCH refuses a different thumbprint or owner, bad values and unknown properties; nothing changes', async () => {
      const created = await createCertificate(t);
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ thumbprint: thumbprint() }, /'thumbprint' cannot be changed/],
        [{ userPrincipalName: 'mallory@contoso.com' }, /'userPrincipalName' cannot be changed/],
        [{ keyName: 'changed', expirationDateTime: '2020-01-01T00:00:00Z' }, /'startDateTime' must be before 'expirationDateTime'/],
        [{ keyName: 'changed', paddingScheme: 'rot13' }, /'paddingScheme' has the invalid value 'rot13'/],
        [{ keyName: 'changed', colour: 'blue' }, /property 'colour' does not exist/],
        [{ keyName: 'changed', encryptedPfxPassword: 'plain' }, /plaintext password is refused/],
      ];
      for (const [body, message] of cases) {
        graphError(await t.call({ method: 'PATCH', url: `${CERTS}/${created.id}`, json: body }), 400, 'BadRequest', message);
      }
      const after = (await t.call({ method: 'GET', url: `${CERTS}/${created.id}` })).json();
      assert.equal(after.keyName, created.keyName);
      assert.equal(after.lastModifiedDateTime, created.lastModifiedDateTime);
    });

    test('PATCH of an absent certificate: 404', async () => {
      graphError(await t.call({ method: 'PATCH', url: `${CERTS}/${'1'.repeat(32)}-${thumbprint()}`, json: { keyName: 'x' } }),
        404, 'ResourceNotFound', /No userPfxCertificate/);
    });

    test(`DELETE on the module's path: 204, then 404`, async () => {
      const { id } = await createCertificate(t);
      const res = await t.call({ method: 'DELETE', url: `${CERTS}/${id}` });
      assert.equal(res.statusCode, 204);
      graphError(await t.call({ method: 'GET', url: `${CERTS}/${id}` }), 404, 'ResourceNotFound', /No userPfxCertificate/);
      graphError(await t.call({ method: 'DELETE', url: `${CERTS}('${id}')` }), 404, 'ResourceNotFound', /No userPfxCertificate/);
    });

    test('the export role reads the secrets back exactly as sent, and the export is audited', async () => {
      const created = await createCertificate(t);
      const token = await t.token({ roles: ['DeviceManagementConfiguration.Read.All', 'UserPfxCertificate.Export.All'] });
      const res = await t.call({ method: 'GET', url: `${CERTS}/${created.id}`, token });
      assert.equal(res.json().encryptedPfxBlob, created.encryptedPfxBlob);
      assert.equal(res.json().encryptedPfxPassword, created.encryptedPfxPassword);
      const audit = (await t.call({ method: 'GET', url: `/beta/deviceManagement/auditEvents?$filter=activityOperationType eq 'Export'` })).json();
      const exported = audit.value.find((e: any) => e.resources.some((r: any) => r.resourceId === created.id));
      assert.ok(exported, 'an Export audit event names the certificate');
      assert.equal(exported.correlationId, res.headers['request-id']);
      assert.ok(!JSON.stringify(audit).includes(created.encryptedPfxPassword as string), 'no secret in the audit log');
    });

    test('a body read again names the host it was asked on, and shows an update at once', async () => {
      const { id } = await createCertificate(t);
      const read = async (host: string) => (await t.call({ method: 'GET', url: `${CERTS}/${id}`, headers: { host } })).json();
      for (const host of ['a.example:8443', 'b.example', 'a.example:8443']) {
        const body = await read(host);
        assert.equal(body['@odata.context'], `http://${host}/beta/$metadata#deviceManagement/userPfxCertificates/$entity`);
      }
      assert.equal((await t.call({ method: 'PATCH', url: `${CERTS}/${id}`, json: { keyName: 'Renamed' } })).statusCode, 204);
      const after = await read('a.example:8443');
      assert.equal(after.keyName, 'Renamed');
      assert.equal(after['@odata.context'], 'http://a.example:8443/beta/$metadata#deviceManagement/userPfxCertificates/$entity');
    });

    test('the versions /v1.0 and /localtest serve the same resource', async () => {
      const { id } = await createCertificate(t);
      for (const version of ['v1.0', 'localtest']) {
        const res = await t.call({ method: 'GET', url: `/${version}/deviceManagement/userPfxCertificates/${id}` });
        assert.equal(res.statusCode, 200);
        assert.equal(res.json()['@odata.context'], `http://localhost:80/${version}/$metadata#deviceManagement/userPfxCertificates/$entity`);
      }
    });
  });
}
