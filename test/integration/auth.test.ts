import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SignJWT, importJWK } from 'jose';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { CERTS, certificateBody, createCertificate, graphError } from '../helpers/certificate-fixtures.js';
import { sqliteFactory } from '../helpers/stores.js';
import { devIssuer, GRAPH_AUDIENCE } from '../../src/graph/dev-identity.js';

describe('authentication, permissions and tenants', () => {
  let t: TestApp;
  before(async () => { t = await makeTestApp(sqliteFactory); });
  after(() => t.close());

  /** Signs arbitrary claims with the dev key (or another key), to build each kind of bad token. */
  const sign = async (claims: Record<string, unknown>, options: { key?: 'dev' | 'other'; alg?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const key = options.key === 'other'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      : await importJWK(t.identity.privateJwk, 'RS256');
    return new SignJWT({ tid: t.identity.tenantId, roles: ['DeviceManagementConfiguration.ReadWrite.All'], ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: t.identity.kid })
      .setIssuer((claims.iss as string) ?? devIssuer(t.identity.tenantId))
      .setAudience((claims.aud as string) ?? GRAPH_AUDIENCE)
      .setIssuedAt((claims.iat as number) ?? now - 10)
      .setNotBefore((claims.nbf as number) ?? now - 10)
      .setExpirationTime((claims.exp as number) ?? now + 600)
      .sign(key);
  };

  const unauthenticated = (res: Awaited<ReturnType<TestApp['call']>>, message: RegExp) => {
    graphError(res, 401, 'InvalidAuthenticationToken', message);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
  };

  test('no token, a non-Bearer scheme, a malformed token: 401 with WWW-Authenticate', async () => {
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: null }), /Access token is empty/);
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } }), /Bearer scheme/);
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: 'not.a.jwt' }), /not a well-formed JWT/);
  });

  test('expired, not yet valid, wrong issuer, wrong audience, bad signature, no tenant: 401 saying which', async () => {
    const now = Math.floor(Date.now() / 1000);
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: await sign({ exp: now - 3600, nbf: now - 7200 }) }), /expired at/);
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: await sign({ nbf: now + 3600, exp: now + 7200 }) }), /not valid before/);
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: await sign({ iss: 'https://evil.example/v2.0' }) }), /issuer 'https:\/\/evil.example\/v2.0' is not accepted/);
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: await sign({ aud: 'api://someone-else' }) }), /audience 'api:\/\/someone-else' is not accepted/);
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: await sign({}, { key: 'other' }) }), /signature is invalid/);
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: await sign({ tid: 'nope' }) }), /'tid'/);
    // 36 characters of hyphens and hex digits are not a GUID: such a tid would open a pseudo-tenant.
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: await sign({ tid: '-'.repeat(36) }) }), /'tid' \(tenant id\) claim: it must be a GUID/);
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: await sign({ tid: 'aaaaaaaa-aaaa-aaaa-aaaaaaaaaaaaaaaaaaaa' }) }), /must be a GUID/);
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: await sign({ iat: now + 3600 }) }), /issued in the future \(iat /);
    assert.equal((await t.call({ method: 'GET', url: CERTS, token: await sign({ iat: now + 30 }) })).statusCode, 200, 'within the 60 s skew');
    const [h, p] = (await sign({})).split('.');
    unauthenticated(await t.call({ method: 'GET', url: CERTS, token: `${h}.${p}.` }), /signature|well-formed/);
  });

  test('a token verified once is remembered, but only that exact token: a changed payload under its signature is refused', async () => {
    const token = await sign({ roles: ['DeviceManagementConfiguration.Read.All'] });
    assert.equal((await t.call({ method: 'GET', url: CERTS, token })).statusCode, 200);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['DeviceManagementConfiguration.ReadWrite.All'] })).toString('base64url');
    unauthenticated(await t.call({ method: 'POST', url: CERTS, json: await certificateBody(), token: `${header}.${forged}.${signature}` }), /signature is invalid/);
    assert.equal((await t.call({ method: 'GET', url: CERTS, token })).statusCode, 200, 'the genuine token still works');
  });

  test('a remembered token is refused once it expires (past the 60 s skew): the cache honours exp', async () => {
    // The verifier's clock moves instead of the test sleeping through a token's lifetime.
    const now = Math.floor(Date.now() / 1000);
    const token = await sign({ iat: now, nbf: now, exp: now + 120 });
    try {
      assert.equal((await t.call({ method: 'GET', url: CERTS, token })).statusCode, 200, 'verified, and remembered');
      t.clock.set((now + 119) * 1000);
      assert.equal((await t.call({ method: 'GET', url: CERTS, token })).statusCode, 200, 'a second before exp');
      t.clock.set((now + 120 + 30) * 1000);
      assert.equal((await t.call({ method: 'GET', url: CERTS, token })).statusCode, 200, 'past exp, within the skew');
      t.clock.set((now + 120 + 61) * 1000);
      unauthenticated(await t.call({ method: 'GET', url: CERTS, token }), /expired at/);
      t.clock.set((now + 119) * 1000);
      assert.equal((await t.call({ method: 'GET', url: CERTS, token })).statusCode, 200, 'the token itself was fine before');
    } finally {
      t.clock.release();
    }
  });

  test('permissions: 403 naming the permissions that would do', async () => {
    const readOnly = await t.token({ roles: ['DeviceManagementConfiguration.Read.All'] });
    graphError(await t.call({ method: 'POST', url: CERTS, json: await certificateBody(), token: readOnly }), 403, 'Forbidden', /DeviceManagementConfiguration\.ReadWrite\.All/);
    assert.equal((await t.call({ method: 'GET', url: CERTS, token: readOnly })).statusCode, 200);
    const usersOnly = await t.token({ roles: ['User.Read.All'] });
    graphError(await t.call({ method: 'GET', url: CERTS, token: usersOnly }), 403, 'Forbidden', /DeviceManagementConfiguration\.Read\.All, DeviceManagementConfiguration\.ReadWrite\.All/);
    graphError(await t.call({ method: 'POST', url: '/beta/users', json: { userPrincipalName: 'x@y.z' }, token: usersOnly }), 403, 'Forbidden', /User\.ReadWrite\.All, Directory\.ReadWrite\.All/);
    const certsOnly = await t.token({ roles: ['DeviceManagementConfiguration.ReadWrite.All'] });
    graphError(await t.call({ method: 'GET', url: '/beta/users', token: certsOnly }), 403, 'Forbidden', /User\.Read\.All/);
  });

  test('delegated tokens carry scp; the export role is application-only', async () => {
    const delegated = await t.token({ scopes: ['DeviceManagementConfiguration.ReadWrite.All', 'UserPfxCertificate.Export.All'], upn: 'admin@contoso.com' });
    const created = await createCertificate(t, {}, delegated);
    const read = (await t.call({ method: 'GET', url: `${CERTS}/${created.id}`, token: delegated })).json();
    assert.equal(read.encryptedPfxPassword, null, 'a delegated scope does not grant export');
    // Entra ID puts the app roles assigned to a user into that user's delegated tokens: such a token still
    // gets no secrets, whether it says it is delegated by scp or by idtyp.
    const userWithRole = await sign({ scp: 'DeviceManagementConfiguration.ReadWrite.All', roles: ['UserPfxCertificate.Export.All'], upn: 'admin@contoso.com' });
    for (const token of [userWithRole, await sign({ idtyp: 'user', scp: 'DeviceManagementConfiguration.Read.All', roles: ['UserPfxCertificate.Export.All', 'DeviceManagementConfiguration.ReadWrite.All'] })]) {
      const one = await t.call({ method: 'GET', url: `${CERTS}/${created.id}`, token });
      assert.equal(one.statusCode, 200, one.body);
      assert.equal(one.json().encryptedPfxPassword, null);
      assert.equal(one.json().encryptedPfxBlob, null);
      const listed = (await t.call({ method: 'GET', url: `${CERTS}?$select=id,encryptedPfxPassword`, token })).json().value;
      assert.ok(listed.length > 0 && listed.every((c: { encryptedPfxPassword: unknown }) => c.encryptedPfxPassword === null));
    }
    // idtyp=user with roles but no scp is a user's token holding no delegated permission at all.
    graphError(await t.call({ method: 'GET', url: CERTS, token: await sign({ idtyp: 'user', roles: ['DeviceManagementConfiguration.ReadWrite.All'] }) }), 403, 'Forbidden', /delegated permissions \(scp\)/);
    const app = await t.token({ roles: ['DeviceManagementConfiguration.Read.All', 'UserPfxCertificate.Export.All'] });
    assert.notEqual((await t.call({ method: 'GET', url: `${CERTS}/${created.id}`, token: app })).json().encryptedPfxPassword, null, 'the application role does export');
    const roles = await t.token({ roles: ['DeviceManagementConfiguration.ReadWrite.All'] });
    graphError(await t.call({ method: 'GET', url: CERTS, token: await t.token({ scopes: ['User.Read.All'] }) }), 403, 'Forbidden', /delegated permissions/);
    assert.equal((await t.call({ method: 'GET', url: CERTS, token: roles })).statusCode, 200);
  });

  test("tenants are apart: another tenant's certificate is a 404 and never listed or counted", async () => {
    const mine = await createCertificate(t);
    const other = await t.token({ tenantId: randomUUID() });
    graphError(await t.call({ method: 'GET', url: `${CERTS}/${mine.id}`, token: other }), 404, 'ResourceNotFound', /No userPfxCertificate/);
    graphError(await t.call({ method: 'PATCH', url: `${CERTS}/${mine.id}`, json: { keyName: 'x' }, token: other }), 404, 'ResourceNotFound', /No userPfxCertificate/);
    graphError(await t.call({ method: 'DELETE', url: `${CERTS}/${mine.id}`, token: other }), 404, 'ResourceNotFound', /No userPfxCertificate/);
    assert.deepEqual((await t.call({ method: 'GET', url: CERTS, token: other })).json().value, []);
    assert.equal((await t.call({ method: 'GET', url: `${CERTS}/$count`, token: other })).body, '0');
    assert.deepEqual((await t.call({ method: 'GET', url: '/beta/users', token: other })).json().value, []);
    // The same thumbprint and owner in another tenant is a different certificate, not a conflict.
    const theirs = await t.call({ method: 'POST', url: CERTS, json: await certificateBody({ thumbprint: mine.thumbprint }), token: other });
    assert.equal(theirs.statusCode, 201);
    assert.equal((await t.call({ method: 'GET', url: `${CERTS}/${mine.id}` })).json().keyName, mine.keyName);
  });

  test(`the dev OAuth endpoints: client-credentials grant, OpenID metadata whose issuer is the tokens' iss, JWKS`, async () => {
    const tenant = t.identity.tenantId;
    const form = (secret: string) => ({
      method: 'POST' as const, url: `/${tenant}/oauth2/v2.0/token`, token: null,
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'my-app', client_secret: secret, scope: 'https://graph.microsoft.com/.default' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const granted = await t.call(form(t.identity.clientSecret));
    assert.equal(granted.statusCode, 200, granted.body);
    const { access_token: accessToken, token_type: tokenType } = granted.json();
    assert.equal(tokenType, 'Bearer');
    assert.equal((await t.call({ method: 'GET', url: CERTS, token: accessToken })).statusCode, 200);
    const refused = await t.call(form('wrong'));
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json().error, 'invalid_client');
    const config = (await t.call({ method: 'GET', url: `/${tenant}/v2.0/.well-known/openid-configuration`, token: null })).json();
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString());
    assert.equal(config.issuer, claims.iss);
    const jwks = (await t.call({ method: 'GET', url: new URL(config.jwks_uri).pathname, token: null })).json();
    assert.equal(jwks.keys[0].kid, t.identity.kid);
    assert.equal(jwks.keys[0].d, undefined, 'no private key material is published');
  });

  test('the OpenID configuration has what MSAL requires, and each endpoint it lists answers', async () => {
    const tenant = t.identity.tenantId;
    const config = (await t.call({ method: 'GET', url: `/${tenant}/v2.0/.well-known/openid-configuration`, token: null })).json();
    const path = (name: string) => new URL(config[name]).pathname;
    assert.equal(config.issuer, devIssuer(tenant));
    assert.equal(path('authorization_endpoint'), `/${tenant}/oauth2/v2.0/authorize`);
    assert.equal(path('token_endpoint'), `/${tenant}/oauth2/v2.0/token`);
    assert.equal(path('jwks_uri'), `/${tenant}/discovery/v2.0/keys`);
    // Only what the endpoints do: client credentials for programs, authorization code + PKCE (S256) for the console.
    assert.deepEqual(config.grant_types_supported, ['authorization_code', 'client_credentials']);
    assert.deepEqual(config.response_types_supported, ['code']);
    assert.deepEqual(config.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(config.token_endpoint_auth_methods_supported, ['client_secret_post', 'client_secret_basic', 'none']);
    assert.equal(config.request_uri_parameter_supported, false);

    // The authorization endpoint serves the console's client only; another client's request is answered on the
    // page, never redirected (RFC 6749 §4.1.2.1). test/integration/dev-sign-in*.test.ts cover the rest.
    const authorize = await t.call({
      method: 'GET', token: null,
      url: `${path('authorization_endpoint')}?response_type=code&client_id=app&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&scope=openid`,
    });
    assert.equal(authorize.statusCode, 400);
    assert.equal(authorize.headers.location, undefined);
    assert.equal(authorize.headers['cache-control'], 'no-store');
    assert.match(authorize.body, /The client_id &#39;app&#39; is not known here/);
    const badTenant = await t.call({ method: 'GET', url: '/contoso/oauth2/v2.0/authorize?response_type=code', token: null });
    assert.equal(badTenant.statusCode, 400);
    assert.match(badTenant.body, /The tenant in the path must be a GUID/);

    // The token endpoint refuses any other grant with the OAuth error for it.
    const password = await t.call({
      method: 'POST', url: path('token_endpoint'), token: null,
      payload: 'grant_type=password&username=x&password=y', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(password.statusCode, 400);
    assert.equal(password.json().error, 'unsupported_grant_type');
    assert.match(password.json().error_description, /Only grant_type=client_credentials and grant_type=authorization_code are supported/);
  });
});
