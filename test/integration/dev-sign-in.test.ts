import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { CERTS } from '../helpers/certificate-fixtures.js';
import { devSignIn, discover, INSECURE, signInForm } from '../helpers/dev-sign-in.js';
import { listen, type ListeningServer } from '../helpers/server.js';
import { DEV_CONSOLE_CLIENT_ID, stableObjectId } from '../../src/graph/dev-console.js';
import { devIssuer } from '../../src/graph/dev-identity.js';

/** The console's sign-in against the dev authority, driven in Node by the OAuth library the console uses. */
describe('dev authority: authorization code + PKCE with oauth4webapi', () => {
  let server: ListeningServer;
  before(async () => { server = await listen(['--http']); });
  after(() => server.stop());

  test('discovery from config.json, PKCE, sign-in page, redirect, code exchange; the token lists certificates', async () => {
    const identity = server.devIdentity!;
    const signedIn = await devSignIn(server.url, { upn: 'Ada@contoso.com', secret: identity.clientSecret });
    const response = await fetch(`${server.url}${CERTS}`, { headers: { authorization: `Bearer ${signedIn.accessToken}` } });
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual((await response.json()).value, []);

    const claims = JSON.parse(Buffer.from(signedIn.accessToken.split('.')[1], 'base64url').toString());
    assert.equal(claims.iss, devIssuer(identity.tenantId));
    assert.equal(claims.tid, identity.tenantId);
    assert.equal(claims.scp, 'DeviceManagementConfiguration.ReadWrite.All User.ReadWrite.All');
    assert.equal(claims.upn, 'Ada@contoso.com');
    assert.equal(claims.oid, stableObjectId(identity.tenantId, 'ada@contoso.com'), 'a user the tenant lacks: an oid derived from the UPN');
    assert.equal(claims.roles, undefined, 'delegated: no application roles');
    assert.equal(signedIn.idToken?.aud, DEV_CONSOLE_CLIENT_ID);
    assert.equal(signedIn.idToken?.preferred_username, 'Ada@contoso.com');
    assert.equal(signedIn.idToken?.sub, claims.oid);
    assert.equal(signedIn.response.token_type.toLowerCase(), 'bearer');
    assert.equal(signedIn.response.scope, 'DeviceManagementConfiguration.ReadWrite.All User.ReadWrite.All openid profile');
    assert.equal(signedIn.response.refresh_token, undefined, 'no refresh tokens: the console signs in again');
  });

  test("a user the tenant has: the token's oid is that user's id, so the audit log and /users agree", async () => {
    const admin = await server.token();
    const created = await fetch(`${server.url}/beta/users`, {
      method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userPrincipalName: 'grace@contoso.com', displayName: 'Grace' }),
    });
    assert.equal(created.status, 201);
    const { id } = await created.json();
    const signedIn = await devSignIn(server.url, { upn: 'GRACE@contoso.com', secret: server.devIdentity!.clientSecret });
    assert.equal(JSON.parse(Buffer.from(signedIn.accessToken.split('.')[1], 'base64url').toString()).oid, id);
  });

  test('errors redirected to the console reach oauth4webapi as authorization response errors, with state', async () => {
    const { as, client, config } = await discover(server.url);
    const redirectUri = `${server.url}${config.redirectPath}`;
    const challenge = await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier());
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ response_type: 'token' }, 'unsupported_response_type', /response_type 'token' is not supported: use the authorization-code flow/],
      [{ code_challenge: '' }, 'invalid_request', /no code_challenge: PKCE \(RFC 7636\) with code_challenge_method=S256 is required/],
      [{ code_challenge_method: 'plain' }, 'invalid_request', /code_challenge_method must be S256, not 'plain'/],
      [{ scope: 'openid Mail.Send' }, 'invalid_scope', /The scope 'Mail.Send' is not one the dev authority grants/],
    ];
    for (const [change, error, description] of cases) {
      const params = new URLSearchParams({
        response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, scope: 'openid', state: 'xyz',
        code_challenge: challenge, code_challenge_method: 'S256', ...change,
      });
      for (const [k, v] of [...params]) if (v === '') params.delete(k);
      const answer = await fetch(`${as.authorization_endpoint}?${params}`, { redirect: 'manual' });
      assert.equal(answer.status, 302, JSON.stringify(change));
      const location = new URL(answer.headers.get('location')!);
      assert.equal(`${location.origin}${location.pathname}`, redirectUri);
      assert.throws(() => oauth.validateAuthResponse(as, client, location, 'xyz'), (err: oauth.AuthorizationResponseError) => {
        assert.equal(err.error, error);
        assert.match(err.error_description!, description);
        return err instanceof oauth.AuthorizationResponseError;
      });
    }
  });

  test('a code is good once: the replay is invalid_grant, as oauth4webapi reports it', async () => {
    const { as, client, config } = await discover(server.url);
    const redirectUri = `${server.url}${config.redirectPath}`;
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, scope: 'openid',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    const { action, fields } = signInForm(await (await fetch(url)).text());
    const posted = await fetch(new URL(action, url), {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, upn: 'ada@contoso.com', dev_secret: server.devIdentity!.clientSecret }),
    });
    const callback = oauth.validateAuthResponse(as, client, new URL(posted.headers.get('location')!), oauth.expectNoState);
    const exchange = () => oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, redirectUri, verifier, INSECURE);
    await oauth.processAuthorizationCodeResponse(as, client, await exchange());
    await assert.rejects(async () => oauth.processAuthorizationCodeResponse(as, client, await exchange()), (err: oauth.ResponseBodyError) => {
      assert.equal(err.status, 400);
      assert.equal(err.error, 'invalid_grant');
      assert.match(err.error_description!, /already redeemed: a code is good for one token request/);
      return true;
    });
  });
});
