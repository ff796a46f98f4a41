/**
 * `POST /_pfxstore/reset[?reseed=true]` (--auth dev): the caller's tenant emptied in one transaction, other
 * tenants untouched, the seed loaded again on request; on every store.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { CERTS, certificateBody, createCertificate, graphError } from '../helpers/certificate-fixtures.js';
import { memoryFactory, storeFactories } from '../helpers/stores.js';
import type { SeedDocument } from '../../src/service/seed-document.js';

const RESET = '/_pfxstore/reset';
const ALICE_ID = '7d0c2f4e-3b1a-4c8e-9f6d-2a5b8c1e4f70';
const OTHER_TENANT = randomUUID();

async function seedDocument(): Promise<SeedDocument> {
  return {
    users: [
      { id: ALICE_ID.toUpperCase(), userPrincipalName: 'Alice@contoso.com', displayName: 'Alice' },
      { userPrincipalName: 'bob@contoso.com', accountEnabled: false },
      { tenantId: OTHER_TENANT, userPrincipalName: 'carol@fabrikam.com' },
    ],
    userPfxCertificates: [
      await certificateBody({ userPrincipalName: 'alice@CONTOSO.com', thumbprint: 'AA'.repeat(20) }),
      await certificateBody({ tenantId: OTHER_TENANT, userPrincipalName: 'carol@fabrikam.com', thumbprint: 'cc'.repeat(20) }),
    ],
  };
}

const values = (res: { json(): any }) => res.json().value as Record<string, unknown>[];

for (const factory of await storeFactories()) {
  describe(`POST ${RESET} (${factory.name})`, () => {
    let t: TestApp;
    let other: string;
    before(async () => {
      t = await makeTestApp(factory, { seed: await seedDocument() });
      other = await t.token({ tenantId: OTHER_TENANT });
    });
    after(() => t.close());

    test("reseed=true loads the caller's seed items: the seed's ids, audit events by 'pfxstore seed'", async () => {
      const res = await t.call({ method: 'POST', url: `${RESET}?reseed=true` });
      assert.equal(res.statusCode, 204, res.body);
      const users = values(await t.call({ method: 'GET', url: '/beta/users?$orderby=userPrincipalName' }));
      assert.deepEqual(users.map((u) => [u.userPrincipalName, u.accountEnabled]), [['Alice@contoso.com', true], ['bob@contoso.com', false]]);
      assert.equal(users[0].id, ALICE_ID);
      const certs = values(await t.call({ method: 'GET', url: CERTS }));
      assert.deepEqual(certs.map((c) => [c.id, c.userPrincipalName]), [[`${ALICE_ID.replace(/-/g, '')}-${'aa'.repeat(20)}`, 'Alice@contoso.com']]);
      const events = values(await t.call({ method: 'GET', url: '/beta/deviceManagement/auditEvents' }));
      assert.equal(events.length, 3);
      for (const event of events) {
        assert.equal((event.actor as Record<string, unknown>).applicationDisplayName, 'pfxstore seed');
        assert.equal(event.correlationId, res.headers['request-id']);
      }
      // The other tenant's items wait for a reset of that tenant.
      assert.deepEqual(values(await t.call({ method: 'GET', url: '/beta/users', token: other })), []);
    });

    test("a reset removes the caller's tenant only: records, audit events and expiry counts", async () => {
      assert.equal((await t.call({ method: 'POST', url: `${RESET}?reseed=true`, token: other })).statusCode, 204);
      await createCertificate(t, { userPrincipalName: 'dave@fabrikam.com' }, other);
      const otherBefore = await Promise.all(['/beta/users', CERTS, '/beta/deviceManagement/auditEvents'].map(async (url) =>
        values(await t.call({ method: 'GET', url, token: other }))));
      await createCertificate(t, { userPrincipalName: 'erin@contoso.com' });

      const res = await t.call({ method: 'POST', url: RESET });
      assert.equal(res.statusCode, 204, res.body);
      assert.equal(res.body, '');
      for (const url of ['/beta/users', CERTS, '/beta/deviceManagement/auditEvents']) {
        assert.deepEqual(values(await t.call({ method: 'GET', url })), [], url);
      }
      const otherAfter = await Promise.all(['/beta/users', CERTS, '/beta/deviceManagement/auditEvents'].map(async (url) =>
        values(await t.call({ method: 'GET', url, token: other }))));
      assert.deepEqual(otherAfter, otherBefore);
      assert.equal(otherAfter[1].length, 2);
      const counts = await t.store.expiryCounts(new Date(), [30]);
      assert.deepEqual(counts.map((c) => [c.tenantId, c.total]), [[OTHER_TENANT, 2]]);
    });

    test('reseed=true after changes brings the seeded records back as the seed has them, and only them', async () => {
      assert.equal((await t.call({ method: 'POST', url: `${RESET}?reseed=true` })).statusCode, 204);
      assert.equal((await t.call({ method: 'PATCH', url: `/beta/users/${ALICE_ID}`, json: { displayName: 'Changed' } })).statusCode, 204);
      const certId = `${ALICE_ID.replace(/-/g, '')}-${'aa'.repeat(20)}`;
      assert.equal((await t.call({ method: 'DELETE', url: `${CERTS}/${certId}` })).statusCode, 204);
      await createCertificate(t, { userPrincipalName: 'frank@contoso.com' });

      assert.equal((await t.call({ method: 'POST', url: `${RESET}?reseed=true` })).statusCode, 204);
      const users = values(await t.call({ method: 'GET', url: '/beta/users?$orderby=userPrincipalName' }));
      assert.deepEqual(users.map((u) => [u.userPrincipalName, u.displayName]), [['Alice@contoso.com', 'Alice'], ['bob@contoso.com', null]]);
      assert.equal((await t.call({ method: 'GET', url: `${CERTS}/${certId}` })).statusCode, 200);
      assert.equal(values(await t.call({ method: 'GET', url: CERTS })).length, 1);
      // reseed=false is a plain reset.
      assert.equal((await t.call({ method: 'POST', url: `${RESET}?reseed=false` })).statusCode, 204);
      assert.deepEqual(values(await t.call({ method: 'GET', url: '/beta/users' })), []);
    });
  });
}

describe(`POST ${RESET}: refusals (memory)`, () => {
  let t: TestApp;
  let unseeded: TestApp;
  let seed: SeedDocument;
  before(async () => {
    seed = await seedDocument();
    [t, unseeded] = await Promise.all([makeTestApp(memoryFactory, { seed }), makeTestApp(memoryFactory)]);
    assert.equal((await t.call({ method: 'POST', url: `${RESET}?reseed=true` })).statusCode, 204);
  });
  after(() => Promise.all([t.close(), unseeded.close()]));

  /** Each refusal leaves the tenant as it was. */
  async function assertUntouched(): Promise<void> {
    assert.equal(values(await t.call({ method: 'GET', url: '/beta/users' })).length, 2);
  }

  test('401 without a token, with the Graph error body and WWW-Authenticate', async () => {
    const res = await t.call({ method: 'POST', url: RESET, token: null });
    graphError(res, 401, 'InvalidAuthenticationToken', /^Access token is empty: send an 'Authorization: Bearer <token>' header\.$/);
    assert.match(String(res.headers['www-authenticate']), /^Bearer /);
    graphError(await t.call({ method: 'POST', url: RESET, token: 'not-a-jwt' }), 401, 'InvalidAuthenticationToken', /not a well-formed JWT/);
    await assertUntouched();
  });

  test('403 unless the token may write both certificates and users', async () => {
    const readOnly = await t.token({ roles: ['DeviceManagementConfiguration.Read.All', 'User.Read.All'] });
    graphError(await t.call({ method: 'POST', url: RESET, token: readOnly }), 403, 'Forbidden',
      /^Insufficient privileges to complete the operation: it needs one of these application permissions \(roles\): DeviceManagementConfiguration\.ReadWrite\.All\.$/);
    const usersOnly = await t.token({ roles: ['User.ReadWrite.All'] });
    graphError(await t.call({ method: 'POST', url: RESET, token: usersOnly }), 403, 'Forbidden', /roles\): DeviceManagementConfiguration\.ReadWrite\.All\.$/);
    const certificatesOnly = await t.token({ roles: ['DeviceManagementConfiguration.ReadWrite.All'] });
    graphError(await t.call({ method: 'POST', url: RESET, token: certificatesOnly }), 403, 'Forbidden',
      /^Insufficient privileges to complete the operation: it needs one of these application permissions \(roles\): User\.ReadWrite\.All, Directory\.ReadWrite\.All\.$/);
    const delegated = await t.token({ scopes: ['DeviceManagementConfiguration.Read.All'], upn: 'a@contoso.com' });
    graphError(await t.call({ method: 'POST', url: RESET, token: delegated }), 403, 'Forbidden', /delegated permissions \(scp\): DeviceManagementConfiguration\.ReadWrite\.All\.$/);
    await assertUntouched();
  });

  test('400 naming any other query option or value', async () => {
    graphError(await t.call({ method: 'POST', url: `${RESET}?reseed=yes` }), 400, 'BadRequest',
      /^The query option 'reseed' must be true or false, not 'yes'\.$/);
    graphError(await t.call({ method: 'POST', url: `${RESET}?reseed=TRUE` }), 400, 'BadRequest', /not 'TRUE'/);
    graphError(await t.call({ method: 'POST', url: `${RESET}?force=true` }), 400, 'BadRequest',
      /^The query option 'force' is not supported on \/_pfxstore\/reset; its only option is 'reseed' \(true or false\)\.$/);
    graphError(await t.call({ method: 'POST', url: `${RESET}?reseed=true&reseed=false` }), 400, 'BadRequest',
      /^The query option 'reseed' is given more than once\.$/);
    await assertUntouched();
  });

  test('reseed=true on a server without a seed is a 400, and removes nothing', async () => {
    await createCertificate(unseeded, { userPrincipalName: 'gina@contoso.com' });
    graphError(await unseeded.call({ method: 'POST', url: `${RESET}?reseed=true` }), 400, 'BadRequest',
      /^The query option 'reseed=true' needs a seed, and this server was started without --seed: nothing was removed\.$/);
    assert.equal(values(await unseeded.call({ method: 'GET', url: CERTS })).length, 1);
    assert.equal((await unseeded.call({ method: 'POST', url: RESET })).statusCode, 204);
    assert.equal(values(await unseeded.call({ method: 'GET', url: CERTS })).length, 0);
  });

  test('--no-auto-users: reseed=true is a 400 naming a seeded certificate whose owner the seed lacks, and removes nothing', async () => {
    const strict = await makeTestApp(memoryFactory, { args: ['--no-auto-users'],
      seed: { userPfxCertificates: [await certificateBody({ userPrincipalName: 'hana@contoso.com' })] } });
    try {
      assert.equal((await strict.call({ method: 'POST', url: '/beta/users', json: { userPrincipalName: 'hana@contoso.com' } })).statusCode, 201);
      graphError(await strict.call({ method: 'POST', url: `${RESET}?reseed=true` }), 400, 'BadRequest', new RegExp(
        `^seed: userPfxCertificates\\[0\\]\\.userPrincipalName: no user 'hana@contoso\\.com' in tenant ${strict.identity.tenantId} once it is reset; ` +
        "add it to the seed's users \\(with --no-auto-users a certificate does not create its owner\\)$"));
      assert.equal(values(await strict.call({ method: 'GET', url: '/beta/users' })).length, 1);
    } finally {
      await strict.close();
    }
  });

  test('other methods: 405 with Allow: POST', async () => {
    const res = await t.call({ method: 'GET', url: RESET });
    graphError(res, 405, 'MethodNotAllowed', /^The HTTP method 'GET' is not allowed on this resource; allowed: POST\.$/);
    assert.equal(res.headers.allow, 'POST');
  });

  test('a seeded certificate is stored as a POST stores it: secrets readable by the export role', async () => {
    const exporter = await t.token({ roles: ['DeviceManagementConfiguration.Read.All', 'UserPfxCertificate.Export.All'] });
    const [cert] = values(await t.call({ method: 'GET', url: CERTS, token: exporter }));
    const seeded = seed.userPfxCertificates![0] as Record<string, unknown>;
    assert.equal(cert.encryptedPfxBlob, seeded.encryptedPfxBlob);
    assert.equal(cert.encryptedPfxPassword, seeded.encryptedPfxPassword);
    assert.equal(cert.intendedPurpose, 'smimeEncryption');
    assert.equal(cert.thumbprint, 'aa'.repeat(20));
  });
});
