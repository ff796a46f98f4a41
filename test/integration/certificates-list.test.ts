import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { CERTS, createCertificate, graphError, thumbprint } from '../helpers/certificate-fixtures.js';
import { storeFactories } from '../helpers/stores.js';

for (const factory of await storeFactories()) {
  describe(`list and filter certificates (${factory.name})`, () => {
    let t: TestApp;
    const tps: string[] = [];
    before(async () => {
      t = await makeTestApp(factory);
      const rows: Record<string, unknown>[] = [
        { userPrincipalName: 'Alice@Contoso.com', intendedPurpose: 'smimeEncryption', expirationDateTime: '2026-12-01T00:00:00Z' },
        { userPrincipalName: 'alice@contoso.com', intendedPurpose: 'smimeSigning', expirationDateTime: '2027-06-01T00:00:00Z' },
        { userPrincipalName: 'bob@contoso.com', intendedPurpose: 'vpn', expirationDateTime: '2028-01-01T00:00:00Z', keyName: "O'Brien key" },
        { userPrincipalName: 'carol@fabrikam.com', intendedPurpose: 'wifi', expirationDateTime: '2026-12-31T23:59:59Z' },
      ];
      for (const row of rows) {
        const tp = thumbprint();
        tps.push(tp);
        await createCertificate(t, { ...row, thumbprint: tp });
      }
    });
    after(() => t.close());

    const list = async (query: string) => {
      const res = await t.call({ method: 'GET', url: `${CERTS}?${query}` });
      assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
      return res.json();
    };

    test('an unfiltered list: context, value, secrets null, stable insertion order', async () => {
      const body = await list('');
      assert.equal(body['@odata.context'], 'http://localhost:80/beta/$metadata#deviceManagement/userPfxCertificates');
      assert.deepEqual(body.value.map((c: any) => c.thumbprint), tps);
      assert.ok(body.value.every((c: any) => c.encryptedPfxBlob === null && c.encryptedPfxPassword === null));
      assert.equal(body['@odata.nextLink'], undefined);
    });

    test("the PowerShell module's queries, un-encoded as the Graph JS client sends them", async () => {
      const byUpn = await list("$filter=tolower(userPrincipalName) eq 'alice@contoso.com'");
      assert.equal(byUpn.value.length, 2);
      const both = await list(`$filter=tolower(userPrincipalName)%20eq%20'alice@contoso.com'%20and%20tolower(thumbprint)%20eq%20'${tps[1]}'`);
      assert.deepEqual(both.value.map((c: any) => c.thumbprint), [tps[1]]);
      const plain = await list("filter=userPrincipalName+eq+'ALICE@contoso.com'");
      assert.equal(plain.value.length, 2, 'userPrincipalName compares case-insensitively; $ and %20 optional');
    });

    test('dates, enums, functions, in, not, or, ordering, $count', async () => {
      const cases: [string, number[]][] = [
        ['$filter=expirationDateTime lt 2027-01-01T00:00:00Z', [0, 3]],
        ['$filter=expirationDateTime ge 2027-01-01T00:00:00Z and expirationDateTime lt 2028-01-01T00:00:00Z', [1]],
        ["$filter=intendedPurpose eq 'vpn'", [2]],
        ["$filter=intendedPurpose eq microsoft.graph.userPfxIntendedPurpose'wifi'", [3]],
        ["$filter=intendedPurpose in ('smimeEncryption', 'smimeSigning')", [0, 1]],
        ["$filter=not (intendedPurpose eq 'vpn') and endswith(userPrincipalName, 'contoso.com')", [0, 1]],
        ["$filter=startswith(userPrincipalName, 'bob') or contains(userPrincipalName, 'fabrikam')", [2, 3]],
        ["$filter=keyName eq 'O''Brien key'", [2]],
        ["$filter=toupper(keyName) eq 'PFXENCRYPTIONKEY'", [0, 1, 3]],
        ["$filter=keyName eq '''; DROP TABLE user_pfx_certificates; --'", []],
        ["$filter=keyName eq ''' or 1 eq 1'", []],
        ['$filter=paddingScheme ne null', [0, 1, 2, 3]],
      ];
      for (const [query, expected] of cases) {
        const body = await list(query);
        assert.deepEqual(body.value.map((c: any) => c.thumbprint), expected.map((i) => tps[i]), query);
      }
      const ordered = await list('$orderby=expirationDateTime desc&$count=true&$select=thumbprint,expirationDateTime');
      assert.deepEqual(ordered.value.map((c: any) => c.thumbprint), [2, 1, 3, 0].map((i) => tps[i]));
      assert.equal(ordered['@odata.count'], 4);
      assert.deepEqual(Object.keys(ordered.value[0]).sort(), ['@odata.type', 'expirationDateTime', 'id', 'thumbprint']);
      assert.match(ordered['@odata.context'], /userPfxCertificates\(thumbprint,expirationDateTime\)$/);
      const twoKeys = await list('$orderby=userPrincipalName asc,expirationDateTime desc');
      assert.deepEqual(twoKeys.value.map((c: any) => c.thumbprint), [1, 0, 2, 3].map((i) => tps[i]));
    });

    test('…/$count is text/plain and honours $filter', async () => {
      const res = await t.call({ method: 'GET', url: `${CERTS}/$count?$filter=startswith(userPrincipalName,'alice')` });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.equal(res.body, '2');
    });

    test('$top pages through @odata.nextLink; $skip skips', async () => {
      const first = await list('$top=3&$count=true');
      assert.equal(first.value.length, 3);
      assert.equal(first['@odata.count'], 4);
      const next = new URL(first['@odata.nextLink']);
      assert.ok(first['@odata.nextLink'].startsWith(`http://localhost:80${CERTS}?`));
      const second = (await t.call({ method: 'GET', url: next.pathname + next.search })).json();
      assert.deepEqual(second.value.map((c: any) => c.thumbprint), [tps[3]]);
      assert.equal(second['@odata.nextLink'], undefined);
      const skipped = await list('$skip=2&$top=1');
      assert.deepEqual(skipped.value.map((c: any) => c.thumbprint), [tps[2]]);
      const after = (await t.call({ method: 'GET', url: new URL(skipped['@odata.nextLink']).pathname + new URL(skipped['@odata.nextLink']).search })).json();
      assert.deepEqual(after.value.map((c: any) => c.thumbprint), [tps[3]]);
    });

    const bad: [string, RegExp][] = [
      ["$filter=userPrincipalName eq 'a", /\$filter.*position/i],
      ['$filter=colour eq 1', /colour/],
      ["$filter=encryptedPfxPassword eq 'x'", /encryptedPfxPassword.*\$filter/],
      ['$orderby=encryptedPfxBlob', /encryptedPfxBlob/],
      ["$filter=expirationDateTime eq 'soon'", /expirationDateTime/],
      ["$filter=intendedPurpose eq 'email'", /'unassigned', 'smimeEncryption'/],
      ['$top=0', /\$top/],
      ['$top=1001', /\$top/],
      ['$skip=-1', /\$skip/],
      ['$expand=owner', /'\$expand' is not supported/],
      ['$search="alice"', /'\$search' is not supported/],
      ['$apply=groupby((keyName))', /'\$apply' is not supported/],
      ['$compute=1', /'\$compute' is not supported/],
      ['$skiptoken=garbage', /\$skiptoken/i],
      ['$select=thumbprint,nope', /nope/],
    ];
    for (const [query, message] of bad) {
      test(`400 for ${query}`, async () => {
        graphError(await t.call({ method: 'GET', url: `${CERTS}?${query}` }), 400, 'BadRequest', message);
      });
    }

    test('a 10 KB $filter and deep parentheses answer without a 500', async () => {
      const clauses = Array.from({ length: 200 }, () => `thumbprint eq '${thumbprint()}'`);
      const longFilter = `$filter=${clauses.join(' or ')}`;
      assert.ok(longFilter.length > 10_000);
      assert.equal((await t.call({ method: 'GET', url: `${CERTS}?${longFilter}` })).statusCode, 200);
      const deep = `$filter=${'('.repeat(5000)}keyName eq 'x'${')'.repeat(5000)}`;
      graphError(await t.call({ method: 'GET', url: `${CERTS}?${deep}` }), 400, 'BadRequest', /\$filter/);
    });

    test('unknown non-$ options are ignored', async () => {
      assert.equal((await list('foo=bar&api-version=1')).value.length, 4);
    });
  });
}
