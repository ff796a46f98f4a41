import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { oidcTokenVerifier, type TokenVerifier } from '../../src/graph/auth.js';
import { type GraphError } from '../../src/graph/errors.js';

/** `--auth oidc`: tokens of a real identity provider, verified against its JWKS over HTTP. */
describe('oidc token verification', () => {
  let jwks: Server;
  let key: CryptoKey;
  let verifier: TokenVerifier;
  const tenant = randomUUID();
  const issuerTemplate = 'https://login.microsoftonline.com/{tenantid}/v2.0';

  before(async () => {
    const pair = await generateKeyPair('RS256');
    key = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const port = (jwks.address() as { port: number }).port;
    verifier = oidcTokenVerifier({ issuer: issuerTemplate, audience: 'https://graph.microsoft.com,api://pfxstore', jwksUri: `http://127.0.0.1:${port}/keys` });
  });
  after(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

  const token = (claims: Record<string, unknown>, issuer = `https://login.microsoftonline.com/${tenant}/v2.0`, audience = 'api://pfxstore') =>
    new SignJWT({ tid: tenant, ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('10m').sign(key);

  test("a token of the provider, for the token's own tenant, is accepted; roles and scopes are read", async () => {
    const app = await verifier.verify(`Bearer ${await token({ roles: ['DeviceManagementConfiguration.Read.All'], appid: 'a1' })}`);
    assert.equal(app.tenantId, tenant);
    assert.equal(app.kind, 'application');
    assert.ok(app.roles.has('DeviceManagementConfiguration.Read.All'));
    const user = await verifier.verify(`Bearer ${await token({ scp: 'User.Read.All Directory.Read.All', upn: 'a@b.c' }, undefined, 'https://graph.microsoft.com')}`);
    assert.equal(user.kind, 'delegated');
    assert.equal(user.userPrincipalName, 'a@b.c');
  });

  test("{tenantid} in the issuer must be the token's tid; other audiences are refused", async () => {
    await assert.rejects(verifier.verify(`Bearer ${await token({}, `https://login.microsoftonline.com/${randomUUID()}/v2.0`)}`),
      (err: GraphError) => err.statusCode === 401 && /issuer/.test(err.message));
    await assert.rejects(verifier.verify(`Bearer ${await token({}, undefined, 'api://other')}`),
      (err: GraphError) => err.statusCode === 401 && /audience 'api:\/\/other'/.test(err.message));
  });
});
