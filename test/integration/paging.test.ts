import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { CERTS, certificateBody } from '../helpers/certificate-fixtures.js';
import { storeFactories } from '../helpers/stores.js';

for (const factory of await storeFactories()) {
  describe(`paging 2,500 certificates (${factory.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await makeTestApp(factory);
      const template = await certificateBody();
      for (let i = 0; i < 2500; i++) {
        const res = await t.call({ method: 'POST', url: CERTS, json: { ...template, thumbprint: i.toString(16).padStart(40, '0'), userPrincipalName: `user${i % 50}@contoso.com` } });
        assert.equal(res.statusCode, 201);
      }
    });
    after(() => t.close());

    test('the default page size gives 3 pages via @odata.nextLink, each item once, in a stable order, while items are added', async () => {
      const seen: string[] = [];
      let url: string | undefined = CERTS;
      let pages = 0;
      while (url) {
        const res = await t.call({ method: 'GET', url });
        assert.equal(res.statusCode, 200);
        const body = res.json();
        pages += 1;
        seen.push(...body.value.map((c: any) => c.thumbprint));
        // Between pages, another client adds certificates.
        for (let j = 0; j < 5; j++) {
          await t.call({ method: 'POST', url: CERTS, json: await certificateBody({ userPrincipalName: 'late@contoso.com' }) });
        }
        url = body['@odata.nextLink'] && new URL(body['@odata.nextLink']).pathname + new URL(body['@odata.nextLink']).search;
        assert.ok(pages <= 4);
      }
      const original = seen.filter((tp) => /^0{20}/.test(tp));
      assert.equal(original.length, 2500, 'every original certificate came back');
      assert.equal(new Set(seen).size, seen.length, 'nothing came back twice');
      assert.deepEqual(original, [...original].sort(), 'in insertion order');
      assert.equal(pages, 3, 'items added during paging land at the end; 2,500 + 10 fit in 3 pages');
    });

    test('a filtered, ordered listing pages the same way', async () => {
      const seen: string[] = [];
      let url: string | undefined = `${CERTS}?$filter=startswith(userPrincipalName,'user1')&$orderby=userPrincipalName desc,thumbprint&$top=100`;
      while (url) {
        const body: any = (await t.call({ method: 'GET', url })).json();
        seen.push(...body.value.map((c: any) => `${c.userPrincipalName}|${c.thumbprint}`));
        url = body['@odata.nextLink'] && new URL(body['@odata.nextLink']).pathname + new URL(body['@odata.nextLink']).search;
      }
      // user1, user10..user19 own 11 × 50 certificates.
      assert.equal(seen.length, 11 * 50);
      assert.equal(new Set(seen).size, seen.length);
      const expected = [...seen].sort((a, b) => {
        const [ua, ta] = a.split('|'), [ub, tb] = b.split('|');
        // Binary (code point) order, as both databases compare text: 'user1@' sorts after 'user19@'.
        return ua === ub ? (ta < tb ? -1 : 1) : (ua < ub ? 1 : -1);
      });
      assert.deepEqual(seen, expected);
    });
  });
}
