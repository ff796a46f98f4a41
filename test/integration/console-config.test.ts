import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { graphError } from '../helpers/certificate-fixtures.js';
import { listen } from '../helpers/server.js';
import { DEV_CONSOLE_CLIENT_ID } from '../../src/graph/dev-console.js';
import { devIssuer } from '../../src/graph/dev-identity.js';
import { parseServeConfig } from '../../src/server/config.js';
import { UsageError } from '../../src/util/usage-error.js';

const OIDC = ['--auth', 'oidc', '--issuer', 'https://idp.example/realms/corp', '--audience', 'api://pfxstore,https://graph.microsoft.com',
  '--jwks-uri', 'https://idp.example/realms/corp/certs'];

/** Reads a response the way graphError (certificate-fixtures.ts) expects an inject answer. */
async function asInjected(res: Response) {
  const text = await res.text();
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: text, json: () => JSON.parse(text) };
}

/** `GET /console/config.json`: how the console signs in, in each auth mode. */
describe('console config', () => {
  test('dev mode: the dev authority of the default tenant, its metadata on this server, the console client, no-store', async () => {
    const server = await listen(['--http']);
    try {
      const res = await fetch(`${server.url}/console/config.json`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(String(res.headers.get('content-type')), /^application\/json/);
      const tenant = server.devIdentity!.tenantId;
      assert.deepEqual(await res.json(), {
        issuer: devIssuer(tenant),
        metadataUrl: `${server.url}/${tenant}/v2.0/.well-known/openid-configuration`,
        clientId: DEV_CONSOLE_CLIENT_ID,
        scopes: ['openid', 'profile', 'DeviceManagementConfiguration.ReadWrite.All', 'User.ReadWrite.All'],
        redirectPath: '/console/',
      });
      const metadata = await (await fetch(`${server.url}/${tenant}/v2.0/.well-known/openid-configuration`)).json();
      assert.equal(metadata.issuer, devIssuer(tenant), 'the metadata names the issuer config.json does');
    } finally {
      await server.stop();
    }
  });

  test('behind a proxy (--public-url): the metadata URL and the redirect URI the authority accepts use it', async () => {
    const server = await listen(['--http', '--public-url', 'https://pfx.example.com']);
    try {
      const config = await (await fetch(`${server.url}/console/config.json`)).json();
      assert.equal(config.metadataUrl, `https://pfx.example.com/${server.devIdentity!.tenantId}/v2.0/.well-known/openid-configuration`);
      const authorize = `${server.url}/${server.devIdentity!.tenantId}/oauth2/v2.0/authorize?` + new URLSearchParams({
        response_type: 'code', client_id: DEV_CONSOLE_CLIENT_ID, redirect_uri: 'https://pfx.example.com/console/',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      });
      const shown = await fetch(authorize, { redirect: 'manual' });
      assert.equal(shown.status, 200, `${shown.headers.get('location')} ${await shown.clone().text()}`);
    } finally {
      await server.stop();
    }
  });

  test('oidc mode: the identity provider, --console-client-id, default scopes under the first audience', async () => {
    const server = await listen(['--http', ...OIDC, '--console-client-id', 'pfxstore-console']);
    try {
      const res = await fetch(`${server.url}/console/config.json`);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await res.json(), {
        issuer: 'https://idp.example/realms/corp',
        metadataUrl: 'https://idp.example/realms/corp/.well-known/openid-configuration',
        clientId: 'pfxstore-console',
        scopes: ['openid', 'profile', 'api://pfxstore/DeviceManagementConfiguration.ReadWrite.All', 'api://pfxstore/User.ReadWrite.All'],
        redirectPath: '/console/',
      });
      assert.equal((await fetch(`${server.url}/00000000-0000-0000-0000-000000000001/oauth2/v2.0/authorize`)).status, 404, 'no dev authority in oidc mode');
    } finally {
      await server.stop();
    }
  });

  test('oidc mode without --console-client-id: 404 with a Graph error naming the flag', async () => {
    const server = await listen(['--http', ...OIDC]);
    try {
      const res = await asInjected(await fetch(`${server.url}/console/config.json`));
      graphError(res, 404, 'ResourceNotFound',
        /Console sign-in is not configured: start pfxstore serve --auth oidc with --console-client-id \(the identity provider's public SPA client whose redirect URI is http:\/\/127\.0\.0\.1:\d+\/console\/\)/);
      assert.equal(res.headers['cache-control'], 'no-store');
    } finally {
      await server.stop();
    }
  });

  test('the flags: --console-scopes as given; refused in dev mode and when empty', () => {
    const config = parseServeConfig([...OIDC, '--console-client-id', 'c', '--console-scopes', 'openid  api://x/A,api://x/B'], {});
    assert.deepEqual(config.consoleScopes, ['openid', 'api://x/A', 'api://x/B']);
    assert.deepEqual(parseServeConfig([...OIDC], { PFXSTORE_CONSOLE_SCOPES: 'openid' }).consoleScopes, ['openid'], 'read from the environment too');
    assert.throws(() => parseServeConfig(['--console-client-id', 'c'], {}),
      (err: Error) => err instanceof UsageError && /--console-client-id and --console-scopes are for --auth oidc: the dev authority has its own console client/.test(err.message));
    assert.throws(() => parseServeConfig([...OIDC, '--console-scopes', ' '], {}),
      (err: Error) => err instanceof UsageError && /--console-scopes must name at least one scope/.test(err.message));
  });
});
