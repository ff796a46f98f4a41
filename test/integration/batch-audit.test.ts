import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { certificateBody, createCertificate, graphError } from '../helpers/certificate-fixtures.js';
import { storeFactories } from '../helpers/stores.js';

for (const factory of await storeFactories()) {
  describe(`$batch and audit events (${factory.name})`, () => {
    let t: TestApp;
    before(async () => { t = await makeTestApp(factory); });
    after(() => t.close());

    const batch = (requests: unknown) => t.call({ method: 'POST', url: '/beta/$batch', json: { requests } });

    test('requests run with per-request status, headers and body; dependsOn orders them; 424 for dependants of a failure', async () => {
      const body = await certificateBody({ userPrincipalName: 'batch@contoso.com' });
      const res = await batch([
        { id: '3', method: 'GET', url: "/deviceManagement/userPfxCertificates?$filter=tolower(userPrincipalName) eq 'batch@contoso.com'", dependsOn: ['1'] },
        { id: '1', method: 'POST', url: '/deviceManagement/userPfxCertificates', body, headers: { 'Content-Type': 'application/json' } },
        // After '1' (requests without dependsOn run at once, in no set order): the same certificate again, a conflict.
        { id: '2', method: 'POST', url: 'deviceManagement/userPfxCertificates', body, dependsOn: ['1'] },
        { id: '4', method: 'DELETE', url: '/users/batch@contoso.com', dependsOn: ['2'] },
      ]);
      assert.equal(res.statusCode, 200, res.body);
      const byId = Object.fromEntries(res.json().responses.map((r: any) => [r.id, r]));
      assert.deepEqual(res.json().responses.map((r: any) => r.id), ['3', '1', '2', '4']);
      assert.equal(byId['1'].status, 201);
      assert.match(byId['1'].headers.location, /userPfxCertificates\//);
      assert.equal(byId['1'].body.encryptedPfxPassword, body.encryptedPfxPassword);
      assert.equal(byId['2'].status, 409);
      assert.equal(byId['2'].body.error.code, 'Conflict');
      assert.equal(byId['3'].status, 200);
      assert.equal(byId['3'].body.value.length, 1);
      assert.equal(byId['3'].body.value[0].encryptedPfxBlob, null, 'secrets stay hidden inside a batch too');
      assert.equal(byId['4'].status, 424);
      assert.equal(byId['4'].body.error.code, 'FailedDependency');
      assert.match(byId['4'].body.error.message, /depends on \('2'\) failed/);
      assert.equal(byId['4'].body.error.innerError['request-id'], byId['4'].headers['request-id']);
    });

    /** Counts the store's updates in progress while `during` runs, and logs when each starts and ends. */
    const watchUpdates = async (during: () => Promise<void>) => {
      const store = t.store;
      const original = store.update;
      const log: string[] = [];
      let inFlight = 0;
      let most = 0;
      store.update = async function (this: typeof store, ...args: Parameters<typeof original>) {
        const [, , id] = args;
        log.push(`start ${id}`);
        most = Math.max(most, ++inFlight);
        try {
          return await original.apply(this, args);
        } finally {
          inFlight -= 1;
          log.push(`end ${id}`);
        }
      } as typeof original;
      try {
        await during();
      } finally {
        store.update = original;
      }
      return { log, most };
    };
    const patchOf = (id: string, keyName: string, extra: Record<string, unknown> = {}) =>
      ({ id: `${id}:${keyName}`, method: 'PATCH', url: `/deviceManagement/userPfxCertificates/${id}`, body: { keyName }, ...extra });
    const auditedPatches = async (ids: readonly string[]) => {
      const events = (await t.call({ method: 'GET', url: "/beta/deviceManagement/auditEvents?$filter=activityOperationType eq 'Patch'&$top=999" })).json().value;
      return ids.map((id) => events.filter((e: any) => e.resources.some((r: any) => r.resourceId === id)).length);
    };

    test('independent requests run at once: 20 PATCHes are all in the store together; each answers 204 and is audited once', async () => {
      const ids = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await createCertificate(t, { userPrincipalName: `together${i}@contoso.com` })).id as string));
      let res: Awaited<ReturnType<typeof batch>> | undefined;
      const { most } = await watchUpdates(async () => { res = await batch(ids.map((id) => patchOf(id, 'Together'))); });
      assert.equal(res!.statusCode, 200, res!.body);
      assert.deepEqual(res!.json().responses.map((r: any) => [r.id, r.status]), ids.map((id) => [`${id}:Together`, 204]));
      assert.equal(most, 20, 'every PATCH was in the store before the first one finished');
      const after = await Promise.all(ids.map(async (id) => (await t.call({ method: 'GET', url: `/beta/deviceManagement/userPfxCertificates/${id}` })).json().keyName));
      assert.deepEqual(after, ids.map(() => 'Together'));
      assert.deepEqual(await auditedPatches(ids), ids.map(() => 1));
    });

    test('dependsOn sequences: a chain of PATCHes to one record runs one at a time, in its order, beside an independent one', async () => {
      const [chained, alone] = await Promise.all(['chained', 'alone'].map(async (u) => (await createCertificate(t, { userPrincipalName: `${u}@contoso.com` })).id as string));
      const requests = [
        patchOf(chained, 'Third', { dependsOn: [`${chained}:Second`] }),
        { id: 'read', method: 'GET', url: `/deviceManagement/userPfxCertificates/${chained}?$select=keyName`, dependsOn: [`${chained}:Third`] },
        patchOf(chained, 'First'),
        patchOf(alone, 'Alone'),
        patchOf(chained, 'Second', { dependsOn: [`${chained}:First`] }),
      ];
      let res: Awaited<ReturnType<typeof batch>> | undefined;
      const { log, most } = await watchUpdates(async () => { res = await batch(requests); });
      const answers = res!.json().responses;
      assert.deepEqual(answers.map((r: any) => [r.id, r.status]), requests.map((r) => [r.id, r.method === 'GET' ? 200 : 204]));
      assert.equal(answers[1].body.keyName, 'Third', 'the GET ran after the last PATCH it depends on');
      const chain = log.filter((l) => l.endsWith(chained));
      assert.deepEqual(chain, Array(3).fill([`start ${chained}`, `end ${chained}`]).flat(), 'each PATCH of the chain started after the one before ended');
      assert.equal(most, 2, 'the independent PATCH ran beside the first of the chain');
      assert.deepEqual(await auditedPatches([chained, alone]), [3, 1]);
    });

    test("URLs that begin with the batch's own version are taken; another version or an unknown first segment is that request's 400, naming it", async () => {
      await createCertificate(t, { userPrincipalName: 'versioned@contoso.com' });
      const res = await batch([
        { id: 'own', method: 'GET', url: "/beta/deviceManagement/userPfxCertificates?$filter=userPrincipalName eq 'versioned@contoso.com'" },
        { id: 'case', method: 'GET', url: 'BETA/users/versioned@contoso.com' },
        { id: 'other', method: 'GET', url: '/v1.0/deviceManagement/userPfxCertificates' },
        { id: 'bogus', method: 'GET', url: '/bogus/deviceManagement/userPfxCertificates' },
        { id: 'after', method: 'GET', url: '/users/versioned@contoso.com', dependsOn: ['other'] },
      ]);
      assert.equal(res.statusCode, 200, res.body);
      const byId = Object.fromEntries(res.json().responses.map((r: any) => [r.id, r]));
      assert.equal(byId.own.status, 200);
      assert.equal(byId.own.body.value.length, 1);
      assert.equal(byId.case.status, 200);
      assert.equal(byId.case.body.userPrincipalName, 'versioned@contoso.com');
      assert.equal(byId.other.status, 400);
      assert.equal(byId.other.body.error.code, 'BadRequest');
      assert.match(byId.other.body.error.message, /names the API version 'v1\.0', but this batch was sent to '\/beta\/\$batch'/);
      assert.equal(byId.bogus.status, 400);
      assert.match(byId.bogus.body.error.message, /does not start with a resource of this API \('bogus'\)/);
      assert.equal(byId.after.status, 424);
    });

    test("a request's own headers cannot choose the origin of its answer's URLs", async () => {
      const res = await batch([{ id: '1', method: 'GET', url: '/users?$top=1', headers: { 'X-Pfxstore-Batch-Origin': 'https://evil.example', Host: 'evil.example' } }]);
      const answer = res.json().responses[0];
      assert.equal(answer.status, 200);
      assert.match(answer.body['@odata.context'], /^http:\/\/localhost:80\/beta\/\$metadata#users$/, 'inject has no socket: the outer request came to localhost:80');
      const spoofed = await t.call({ method: 'GET', url: '/beta/users?$top=1', headers: { 'x-pfxstore-batch-origin': 'anything https://evil.example' } });
      assert.doesNotMatch(spoofed.json()['@odata.context'], /evil/);
    });

    test('every request is authorised with the batch token', async () => {
      const readOnly = await t.token({ roles: ['DeviceManagementConfiguration.Read.All'] });
      const res = await t.call({ method: 'POST', url: '/beta/$batch', token: readOnly, json: { requests: [{ id: 'a', method: 'POST', url: '/deviceManagement/userPfxCertificates', body: await certificateBody() }] } });
      assert.equal(res.json().responses[0].status, 403);
    });

    const malformed: [string, unknown, RegExp][] = [
      ['no requests', {}, /'requests' must be a non-empty array/],
      ['duplicate ids', { requests: [{ id: '1', method: 'GET', url: '/users' }, { id: '1', method: 'GET', url: '/users' }] }, /'1' is used by more than one request/],
      ['too many', { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users' })) }, /at most 20 requests/],
      ['a bad method', { requests: [{ id: '1', method: 'TRACE', url: '/users' }] }, /method must be one of/],
      ['an absolute url', { requests: [{ id: '1', method: 'GET', url: 'https://evil.example/users' }] }, /relative URL/],
      ['an unknown dependency', { requests: [{ id: '1', method: 'GET', url: '/users', dependsOn: ['9'] }] }, /depends on '9'/],
      ['a cycle', { requests: [{ id: '1', method: 'GET', url: '/users', dependsOn: ['2'] }, { id: '2', method: 'GET', url: '/users', dependsOn: ['1'] }] }, /cycle/],
    ];
    for (const [name, body, message] of malformed) {
      test(`malformed batch: ${name} → 400`, async () => {
        graphError(await t.call({ method: 'POST', url: '/beta/$batch', json: body }), 400, 'BadRequest', message);
      });
    }

    test('auditEvents: create, patch, delete each recorded with actor, operation and the request-id; no secret inside', async () => {
      const created = await createCertificate(t, { userPrincipalName: 'audit@contoso.com' });
      const patch = await t.call({ method: 'PATCH', url: `/beta/deviceManagement/userPfxCertificates/${created.id}`, json: { keyName: 'k2' } });
      await t.call({ method: 'DELETE', url: `/beta/deviceManagement/userPfxCertificates/${created.id}` });
      const res = await t.call({ method: 'GET', url: `/beta/deviceManagement/auditEvents?$filter=category eq 'Certificates'&$orderby=activityDateTime desc&$top=50` });
      assert.equal(res.statusCode, 200, res.body);
      const events = res.json().value.filter((e: any) => e.resources.some((r: any) => r.resourceId === created.id));
      assert.deepEqual(events.map((e: any) => e.activityOperationType).sort(), ['Create', 'Delete', 'Patch']);
      const patched = events.find((e: any) => e.activityOperationType === 'Patch');
      assert.equal(patched.correlationId, patch.headers['request-id']);
      assert.equal(patched.activityResult, 'Success');
      assert.equal(patched['@odata.type'], '#microsoft.graph.auditEvent');
      assert.ok(patched.actor.userPermissions.includes('DeviceManagementConfiguration.ReadWrite.All'));
      assert.ok(!res.body.includes(created.encryptedPfxPassword as string));
      const one = await t.call({ method: 'GET', url: `/beta/deviceManagement/auditEvents/${patched.id}` });
      assert.equal(one.json().id, patched.id);
      const userEvents = (await t.call({ method: 'GET', url: "/beta/deviceManagement/auditEvents?$filter=activity eq 'Create User'" })).json();
      assert.ok(userEvents.value.length >= 1);
      graphError(await t.call({ method: 'GET', url: '/beta/deviceManagement/auditEvents', token: await t.token({ roles: ['User.Read.All'] }) }), 403, 'Forbidden', /DeviceManagementConfiguration/);
    });
  });
}
