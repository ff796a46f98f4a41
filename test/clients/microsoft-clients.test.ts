import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ROLES, devIssuer, GRAPH_AUDIENCE } from '../../src/graph/dev-identity.js';
import { listen, type ListeningServer } from '../helpers/server.js';
import type { ClientReport } from './run-client.js';

const RUN_CLIENT = fileURLToPath(new URL('./run-client.js', import.meta.url));
const CLIENT_ID = 'pfxstore-client-tests';
const WRONG_SECRET = 'not-the-dev-secret';

/**
 * @azure/identity, @azure/msal-node and the Graph JavaScript client, unmodified and unmocked, against a real
 * HTTPS pfxstore. Each scenario runs in a fresh Node process (run-client.ts) configured as a user would
 * configure theirs; every run also checks that no request left 127.0.0.1.
 */
describe("Microsoft's client libraries against the dev authority, trusting the dev CA through NODE_EXTRA_CA_CERTS", () => {
  let server: ListeningServer;
  let tenant: string;
  before(async () => {
    server = await listen();
    tenant = server.devIdentity!.tenantId;
  });
  after(() => server.stop());

  async function run(scenario: 'identity' | 'msal' | 'graph', options: { secret?: string; trustDevCa?: boolean } = {}): Promise<ClientReport> {
    // Nothing from this machine's environment may steer the libraries (AZURE_REGIONAL_AUTHORITY_NAME would send
    // MSAL to the instance metadata service, a proxy variable elsewhere): the test sets all they read.
    const env = Object.fromEntries(Object.entries(process.env)
      .filter(([name]) => !/^(AZURE_|MSAL_|NODE_EXTRA_CA_CERTS$|(HTTPS?|ALL|NO)_PROXY$)/i.test(name)));
    const child = spawn(process.execPath, [RUN_CLIENT, scenario], {
      env: {
        ...env,
        ...(options.trustDevCa ?? true ? { NODE_EXTRA_CA_CERTS: server.caPath } : {}),
        PFXSTORE_URL: server.url,
        PFXSTORE_TENANT: tenant,
        PFXSTORE_CLIENT_ID: CLIENT_ID,
        PFXSTORE_CLIENT_SECRET: options.secret ?? server.devIdentity!.clientSecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
    const [code] = await once(child, 'close');
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as ClientReport;
    assert.deepEqual(report.hosts, ['127.0.0.1'], 'every request went to pfxstore, none elsewhere');
    return report;
  }

  /** The claims of a token the dev authority issued to CLIENT_ID for Graph in this tenant. */
  function assertDevToken(token: string) {
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(claims.iss, devIssuer(tenant));
    assert.equal(claims.aud, GRAPH_AUDIENCE);
    assert.equal(claims.tid, tenant);
    assert.equal(claims.appid, CLIENT_ID);
    assert.deepEqual(claims.roles, DEFAULT_ROLES);
  }

  /** Its answer to GET /beta/deviceManagement/userPfxCertificates with the token: the API accepted it. */
  function assertAccepted(api: { status: number; context: unknown }) {
    assert.deepEqual(api, { status: 200, context: `${server.url}/beta/$metadata#deviceManagement/userPfxCertificates` });
  }

  test('@azure/identity ClientSecretCredential (authorityHost, disableInstanceDiscovery): a Graph token the API accepts', async () => {
    const { result, error } = await run('identity');
    assert.equal(error, undefined);
    assertDevToken(result.token);
    assert.equal(result.tokenType, 'Bearer');
    // The server grants an hour.
    assert.ok(Math.abs(result.expiresOnTimestamp - (Date.now() + 3600_000)) < 60_000, String(result.expiresOnTimestamp));
    assertAccepted(result.api);
  });

  test('@azure/identity with a wrong secret: AuthenticationRequiredError carrying invalid_client and the reason', async () => {
    const { result, error } = await run('identity', { secret: WRONG_SECRET });
    assert.equal(result, undefined);
    assert.equal(error!.name, 'AuthenticationRequiredError');
    assert.deepEqual(error!.classes, ['AuthenticationRequiredError']);
    assert.match(error!.message, /^invalid_client: /);
    assert.match(error!.message, /client_secret is wrong/);
  });

  test('@azure/msal-node ConfidentialClientApplication (authority, knownAuthorities): token, then from its cache, accepted', async () => {
    const { result, error, discoveryLog } = await run('msal');
    assert.equal(error, undefined);
    // The authority's own OpenID configuration, fetched once and accepted (knownAuthorities: no instance discovery).
    assert.deepEqual(discoveryLog.map((line) => line.replace(/^.* - /, '')), [
      `Authority.getEndpointMetadataFromNetwork: attempting to retrieve OAuth endpoints from ${server.url}/${tenant}/v2.0/.well-known/openid-configuration`,
    ]);
    assertDevToken(result.token);
    assert.equal(result.tokenType, 'Bearer');
    assert.ok(Math.abs(Date.parse(result.expiresOn) - (Date.now() + 3600_000)) < 60_000, result.expiresOn);
    // expires_in was understood: the second call is answered from MSAL's cache.
    assert.equal(result.secondFromCache, true);
    assert.equal(result.sameToken, true);
    assertAccepted(result.api);
  });

  test('@azure/msal-node with a wrong secret: ServerError with errorCode invalid_client and status 401', async () => {
    const { result, error } = await run('msal', { secret: WRONG_SECRET });
    assert.equal(result, undefined);
    assert.equal(error!.name, 'ServerError');
    assert.deepEqual(error!.classes, ['AuthError', 'ServerError']);
    assert.equal(error!.errorCode, 'invalid_client');
    assert.equal(error!.status, 401);
    assert.match(error!.message, /client_secret is wrong/);
  });

  test('the Graph JS client with TokenCredentialAuthenticationProvider: create, $filter, get, patch, delete, GraphErrors', async () => {
    const { result, error } = await run('graph');
    assert.equal(error, undefined);
    const { created, listedIds, fetched, patchedPurpose, afterDelete, badCreate } = result;
    assert.equal(created['@odata.type'], '#microsoft.graph.userPFXCertificate');
    assert.match(created.id, /^[0-9a-f]{32}-[0-9a-f]{40}$/);
    assert.equal(created.userPrincipalName, 'graph-client@contoso.com');
    assert.deepEqual(listedIds, [created.id]);
    // Read back as created, except the secrets, which a token without the export role is not given.
    const { encryptedPfxBlob, encryptedPfxPassword, '@odata.context': _, ...properties } = created;
    assert.deepEqual(fetched, { '@odata.context': fetched['@odata.context'], ...properties, encryptedPfxBlob: null, encryptedPfxPassword: null });
    assert.ok(encryptedPfxBlob && encryptedPfxPassword);
    assert.equal(patchedPurpose, 'vpn');
    assert.deepEqual(afterDelete.classes, ['GraphError']);
    assert.equal(afterDelete.statusCode, 404);
    assert.equal(afterDelete.code, 'ResourceNotFound');
    assert.match(afterDelete.message, /No userPfxCertificate with id/);
    assert.deepEqual(badCreate.classes, ['GraphError']);
    assert.equal(badCreate.statusCode, 400);
    assert.equal(badCreate.code, 'BadRequest');
    assert.match(badCreate.message, /'intendedPurpose' has the invalid value 'String'/);
  });

  test("the Graph JS client with a wrong secret: a GraphError carrying the credential's invalid_client", async () => {
    const { result, error } = await run('graph', { secret: WRONG_SECRET });
    assert.equal(result, undefined);
    assert.deepEqual(error!.classes, ['GraphError']);
    // The client's code for an error that is not an HTTP response: no status, the cause's class.
    assert.equal(error!.statusCode, -1);
    assert.equal(error!.code, 'AuthenticationRequiredError');
    assert.match(error!.message, /^invalid_client: .*client_secret is wrong/);
  });

  test('without NODE_EXTRA_CA_CERTS the dev CA is not trusted: the endpoints cannot be resolved', async () => {
    const msal = await run('msal', { trustDevCa: false });
    assert.deepEqual(msal.error!.classes, ['AuthError', 'ClientAuthError']);
    assert.equal(msal.error!.errorCode, 'endpoints_resolution_error');
    assert.match(msal.discoveryLog.at(-1)!, /getEndpointMetadataFromNetwork: Error: .*unable to verify the first certificate/);
    const identity = await run('identity', { trustDevCa: false });
    assert.deepEqual(identity.error!.classes, ['CredentialUnavailableError']);
    assert.match(identity.error!.message, /^endpoints_resolution_error/);
  });
});
