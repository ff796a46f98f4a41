import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { CERTS, createCertificate, graphError } from '../helpers/certificate-fixtures.js';
import { storeFactories } from '../helpers/stores.js';

const HEADER = 'pfxstore-export-reason';
const EXPORTER = { roles: ['DeviceManagementConfiguration.Read.All', 'UserPfxCertificate.Export.All'], appId: 'recovery-desk' };

for (const factory of await storeFactories()) {
  describe(`pfxstore-export-reason: why secrets were read, in the Export audit event (${factory.name})`, () => {
    let t: TestApp;
    let exporter: string;
    before(async () => {
      t = await makeTestApp(factory);
      exporter = await t.token(EXPORTER);
    });
    after(() => t.close());

    /** Every Export event naming `id`, oldest first. */
    const exportsOf = async (id: string) => {
      const res = await t.call({ method: 'GET', url: "/beta/deviceManagement/auditEvents?$filter=activityOperationType eq 'Export'&$orderby=activityDateTime&$top=1000" });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().value.filter((e: any) => e.resources.some((r: any) => r.resourceId === id));
    };

    test('GET by id: the decoded reason follows the activity; displayName and activityType keep the bare name; record and caller are there', async () => {
      const { id } = await createCertificate(t);
      const reason = 'Ticket 4711: Zoë needs her 2019 mail back — ✓';
      const res = await t.call({ method: 'GET', url: `${CERTS}/${id}`, token: exporter, headers: { [HEADER]: encodeURIComponent(reason) } });
      assert.equal(res.statusCode, 200, res.body);
      assert.ok(res.json().encryptedPfxPassword, 'the secrets came back');
      const [event] = await exportsOf(id as string);
      assert.equal(event.activity, `Export UserPFXCertificate: ${reason}`);
      assert.equal(event.displayName, 'Export UserPFXCertificate');
      assert.equal(event.activityType, 'Export UserPFXCertificate');
      assert.deepEqual(event.resources.map((r: any) => r.resourceId), [id]);
      assert.equal(event.actor.applicationId, 'recovery-desk');
      assert.equal(event.actor.auditActorType, 'application');
      assert.equal(event.correlationId, res.headers['request-id']);
      const exact = await t.call({ method: 'GET', url: "/beta/deviceManagement/auditEvents?$filter=activityType eq 'Export UserPFXCertificate'&$top=1000" });
      assert.ok(exact.json().value.some((e: any) => e.id === event.id), 'activityType still matches exactly');
    });

    test('a list that exports: every page its own event, each with the reason; without the header the activity is as before', async () => {
      const upn = 'listed-reason@contoso.com';
      const ids = [(await createCertificate(t, { userPrincipalName: upn })).id, (await createCertificate(t, { userPrincipalName: upn })).id];
      const url = `${CERTS}?$filter=userPrincipalName eq '${upn}'&$top=1`;
      const first = await t.call({ method: 'GET', url, token: exporter, headers: { [HEADER]: 'rekey%20batch%207' } });
      assert.equal(first.statusCode, 200, first.body);
      const next = new URL(first.json()['@odata.nextLink']);
      const second = await t.call({ method: 'GET', url: `${next.pathname}${next.search}`, token: exporter, headers: { [HEADER]: 'rekey%20batch%207' } });
      assert.equal(second.statusCode, 200, second.body);
      for (const id of ids) assert.deepEqual((await exportsOf(id as string)).map((e: any) => e.activity), ['Export UserPFXCertificate: rekey batch 7']);
      await t.call({ method: 'GET', url: `${CERTS}/${ids[0]}`, token: exporter });
      assert.deepEqual((await exportsOf(ids[0] as string)).map((e: any) => e.activity),
        ['Export UserPFXCertificate: rekey batch 7', 'Export UserPFXCertificate']);
    });

    test('nothing exported, nothing recorded: no export role, or a $select without the secrets', async () => {
      const { id } = await createCertificate(t);
      const plain = await t.call({ method: 'GET', url: `${CERTS}/${id}`, headers: { [HEADER]: 'just%20looking' } });
      assert.equal(plain.statusCode, 200, plain.body);
      assert.equal(plain.json().encryptedPfxPassword, null);
      const narrow = await t.call({ method: 'GET', url: `${CERTS}/${id}?$select=keyName`, token: exporter, headers: { [HEADER]: 'just%20looking' } });
      assert.equal(narrow.statusCode, 200, narrow.body);
      assert.deepEqual(Object.keys(narrow.json()).sort(), ['@odata.context', '@odata.type', 'id', 'keyName']);
      const listed = await t.call({ method: 'GET', url: `${CERTS}?$select=keyName,expirationDateTime&$top=1000`, token: exporter });
      assert.equal(listed.statusCode, 200, listed.body);
      assert.ok(listed.json().value.every((c: any) => !('encryptedPfxBlob' in c)));
      assert.deepEqual(await exportsOf(id as string), []);
    });

    test('inside $batch, a request carries its own reason', async () => {
      const { id } = await createCertificate(t);
      const res = await t.call({ method: 'POST', url: '/beta/$batch', token: exporter, json: { requests: [
        { id: '1', method: 'GET', url: `/deviceManagement/userPfxCertificates/${id}`, headers: { [HEADER]: 'batched%20recovery' } },
        { id: '2', method: 'GET', url: `/deviceManagement/userPfxCertificates/${id}`, headers: { [HEADER]: '%ZZ' } },
      ] } });
      assert.equal(res.statusCode, 200, res.body);
      const [ok, bad] = res.json().responses;
      assert.equal(ok.status, 200);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'BadRequest');
      assert.match(bad.body.error.message, /^The pfxstore-export-reason header is not valid percent-encoded UTF-8/);
      assert.deepEqual((await exportsOf(id as string)).map((e: any) => e.activity), ['Export UserPFXCertificate: batched recovery']);
    });

    const malformed: [string, string, RegExp][] = [
      ['bad percent-encoding', '50%25%2', /^The pfxstore-export-reason header is not valid percent-encoded UTF-8: encode the reason with encodeURIComponent\.$/],
      ['an escape that is not UTF-8', '%C3%28', /^The pfxstore-export-reason header is not valid percent-encoded UTF-8/],
      ['raw bytes outside ASCII', Buffer.from('caf\u00e9', 'latin1').toString('latin1'), /^The pfxstore-export-reason header must be ASCII: send the reason as percent-encoded UTF-8 \(encodeURIComponent\)\.$/],
      ['a line break', 'line%0Abreak', /^The pfxstore-export-reason header is not a usable reason: decoded, it contains a control character \(a line break, tab or the like\)\.$/],
      ['a tab', 'a\tb', /contains a control character/],
      ['DEL', 'a%7Fb', /contains a control character/],
      ['a C1 control', '%C2%85', /contains a control character/],
      ['the Unicode line separator', '%E2%80%A8', /contains a control character/],
      ['blank', '%20%20', /^The pfxstore-export-reason header is not a usable reason: decoded, it is empty\.$/],
      ['501 characters', encodeURIComponent('é'.repeat(501)), /decoded, it is 501 characters long; at most 500 are allowed\.$/],
    ];
    for (const [name, value, message] of malformed) {
      test(`a malformed header (${name}): 400 BadRequest naming it, before anything is read`, async () => {
        // A certificate that does not exist: the answer is the header's 400, not a 404.
        graphError(await t.call({ method: 'GET', url: `${CERTS}/${'0'.repeat(32)}-${'0'.repeat(40)}`, token: exporter, headers: { [HEADER]: value } }),
          400, 'BadRequest', message);
        graphError(await t.call({ method: 'GET', url: `${CERTS}?$top=5`, token: exporter, headers: { [HEADER]: value } }), 400, 'BadRequest', message);
      });
    }

    test('500 characters (code points, as decoded) are allowed; the whole reason is kept', async () => {
      const { id } = await createCertificate(t);
      const reason = `${'😀'.repeat(250)}${'x'.repeat(250)}`;
      const res = await t.call({ method: 'GET', url: `${CERTS}/${id}`, token: exporter, headers: { [HEADER]: encodeURIComponent(reason) } });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual((await exportsOf(id as string)).map((e: any) => e.activity), [`Export UserPFXCertificate: ${reason}`]);
    });

    test('a malformed header leaves no Export event', async () => {
      const { id } = await createCertificate(t);
      const res = await t.call({ method: 'GET', url: `${CERTS}/${id}`, token: exporter, headers: { [HEADER]: '%' } });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(await exportsOf(id as string), []);
    });
  });
}
