import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { CERTS, certificateBody, createCertificate, graphError } from '../helpers/certificate-fixtures.js';
import { storeFactories } from '../helpers/stores.js';

for (const factory of await storeFactories()) {
  describe(`users (${factory.name})`, () => {
    let t: TestApp;
    before(async () => { t = await makeTestApp(factory); });
    after(() => t.close());

    test('POST /users: 201 with Location; duplicate UPN (any case): 409', async () => {
      const res = await t.call({ method: 'POST', url: '/beta/users', json: { userPrincipalName: 'Erin@Contoso.com', displayName: 'Erin', mail: 'erin@contoso.com' } });
      assert.equal(res.statusCode, 201, res.body);
      const user = res.json();
      assert.match(user.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(user.accountEnabled, true);
      assert.equal(res.headers.location, `http://localhost:80/beta/users/${user.id}`);
      graphError(await t.call({ method: 'POST', url: '/beta/users', json: { userPrincipalName: 'erin@CONTOSO.com' } }), 409, 'Conflict', /'erin@CONTOSO.com' already exists/);
      graphError(await t.call({ method: 'POST', url: '/beta/users', json: { displayName: 'x' } }), 400, 'BadRequest', /'userPrincipalName' is required/);
      graphError(await t.call({ method: 'POST', url: '/beta/users', json: { userPrincipalName: 'a@b.c', accountEnabled: 'yes' } }), 400, 'BadRequest', /'accountEnabled' must be true or false/);
    });

    test("the module's lookup: GET /users?$filter=userPrincipalName eq '…' (not lowercased) finds the user", async () => {
      await t.call({ method: 'POST', url: '/beta/users', json: { userPrincipalName: 'Frank@Contoso.com' } });
      const body = (await t.call({ method: 'GET', url: "/beta/users?$filter=userPrincipalName eq 'FRANK@contoso.com'" })).json();
      assert.equal(body.value.length, 1);
      assert.equal(body['@odata.context'], 'http://localhost:80/beta/$metadata#users');
      const byUpn = (await t.call({ method: 'GET', url: '/beta/users/frank@contoso.com' })).json();
      assert.equal(byUpn.id, body.value[0].id);
      const byId = (await t.call({ method: 'GET', url: `/beta/users/${byUpn.id.toUpperCase()}` })).json();
      assert.equal(byId.userPrincipalName, 'Frank@Contoso.com');
      graphError(await t.call({ method: 'GET', url: '/beta/users/nobody@contoso.com' }), 404, 'ResourceNotFound', /No user 'nobody@contoso.com'/);
      graphError(await t.call({ method: 'GET', url: '/beta/users/not-a-key' }), 400, 'BadRequest', /object id \(GUID\) or a userPrincipalName/);
    });

    test('keys: a quote doubled inside a quoted key, a stray percent-escape is a 400 (never a 500)', async () => {
      await t.call({ method: 'POST', url: '/beta/users', json: { userPrincipalName: "o'brien@contoso.com" } });
      const quoted = await t.call({ method: 'GET', url: "/beta/users('o''brien@contoso.com')" });
      assert.equal(quoted.statusCode, 200, quoted.body);
      assert.equal(quoted.json().userPrincipalName, "o'brien@contoso.com");
      graphError(await t.call({ method: 'GET', url: '/beta/users/%25zz' }), 400, 'BadRequest', /'%zz'/);
      graphError(await t.call({ method: 'GET', url: '/beta/deviceManagement/userPfxCertificates/%25zz' }), 400, 'BadRequest', /Invalid key '%zz'/);
      graphError(await t.call({ method: 'GET', url: '/beta/deviceManagement/auditEvents/%25zz' }), 404, 'ResourceNotFound', /%zz/);
    });

    test('PATCH renames; the certificates follow their owner', async () => {
      const cert = await createCertificate(t, { userPrincipalName: 'grace@contoso.com' });
      const res = await t.call({ method: 'PATCH', url: '/beta/users/grace@contoso.com', json: { userPrincipalName: 'grace.h@contoso.com', accountEnabled: false } });
      assert.equal(res.statusCode, 204, res.body);
      const after = (await t.call({ method: 'GET', url: `${CERTS}/${cert.id}` })).json();
      assert.equal(after.userPrincipalName, 'grace.h@contoso.com');
      const found = (await t.call({ method: 'GET', url: `${CERTS}?$filter=tolower(userPrincipalName) eq 'grace.h@contoso.com'` })).json();
      assert.equal(found.value.length, 1);
      graphError(await t.call({ method: 'PATCH', url: '/beta/users/grace.h@contoso.com', json: { id: 'x', colour: 1 } }), 400, 'BadRequest', /'colour'/);
    });

    test('DELETE: 409 while the user owns certificates, 204 after', async () => {
      const cert = await createCertificate(t, { userPrincipalName: 'heidi@contoso.com' });
      graphError(await t.call({ method: 'DELETE', url: '/beta/users/heidi@contoso.com' }), 409, 'Conflict', /still owns certificates/);
      await t.call({ method: 'DELETE', url: `${CERTS}/${cert.id}` });
      assert.equal((await t.call({ method: 'DELETE', url: '/beta/users/heidi@contoso.com' })).statusCode, 204);
      graphError(await t.call({ method: 'DELETE', url: '/beta/users/heidi@contoso.com' }), 404, 'ResourceNotFound', /No user/);
    });

    test('/users/$count and $filter on accountEnabled', async () => {
      await t.call({ method: 'POST', url: '/beta/users', json: { userPrincipalName: 'ivan@contoso.com', accountEnabled: false } });
      const disabled = (await t.call({ method: 'GET', url: '/beta/users?$filter=accountEnabled eq false' })).json();
      assert.ok(disabled.value.some((u: any) => u.userPrincipalName === 'ivan@contoso.com'));
      assert.ok(disabled.value.every((u: any) => u.accountEnabled === false));
      const count = await t.call({ method: 'GET', url: '/beta/users/$count' });
      assert.match(count.body, /^\d+$/);
    });

    test('--no-auto-users: an unknown owner is a 400, a known one works', async () => {
      const strict = await makeTestApp(factory, { args: ['--no-auto-users'] });
      try {
        graphError(await strict.call({ method: 'POST', url: CERTS, json: await certificateBody({ userPrincipalName: 'judy@contoso.com' }) }),
          400, 'BadRequest', /no user 'judy@contoso.com' exists in this tenant/);
        await strict.call({ method: 'POST', url: '/beta/users', json: { userPrincipalName: 'judy@contoso.com' } });
        assert.equal((await strict.call({ method: 'POST', url: CERTS, json: await certificateBody({ userPrincipalName: 'judy@contoso.com' }) })).statusCode, 201);
      } finally {
        await strict.close();
      }
    });
  });
}
