import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CERTS } from '../helpers/certificate-fixtures.js';
import { OIDC_CONSOLE_CLIENT_ID, oidcSignIn, startOidcProvider, type OidcProvider } from '../helpers/oidc-provider.js';
import { listen, type ListeningServer } from '../helpers/server.js';

/** `--auth oidc` against a real OpenID provider (oidc-provider) on this machine: the console's sign-in, then the API. */
describe('oidc: authorization code + PKCE at a real provider, the token accepted by pfxstore', () => {
  let idp: OidcProvider;
  let server: ListeningServer;
  before(async () => {
    idp = await startOidcProvider();
    server = await listen(['--http', ...idp.serveArgs]);
    await idp.registerConsole(server.url);
  });
  after(async () => {
    await server.stop();
    await idp.close();
  });

  test('config.json points at the provider; the code flow with oauth4webapi yields a token pfxstore accepts', async () => {
    const config = await (await fetch(`${server.url}/console/config.json`)).json();
    assert.equal(config.issuer, idp.issuer);
    assert.equal(config.clientId, OIDC_CONSOLE_CLIENT_ID);
    const { accessToken, response } = await oidcSignIn(server.url, 'ada@contoso.com');
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString());
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.aud, 'api://pfxstore');
    assert.equal(claims.tid, idp.tenantId);
    assert.equal(claims.scp, 'DeviceManagementConfiguration.ReadWrite.All User.ReadWrite.All');
    assert.ok(response.id_token, 'an ID token for the console');

    const auth = { authorization: `Bearer ${accessToken}` };
    const list = await fetch(`${server.url}${CERTS}`, { headers: auth });
    assert.equal(list.status, 200, await list.clone().text());
    assert.deepEqual((await list.json()).value, []);
    const created = await fetch(`${server.url}/beta/users`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ userPrincipalName: 'grace@contoso.com' }),
    });
    assert.equal(created.status, 201, 'User.ReadWrite.All was granted and is honoured');
  });
});
