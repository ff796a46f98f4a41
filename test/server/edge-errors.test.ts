import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CERTS } from '../helpers/certificate-fixtures.js';
import { assertGraphError, rawRequest, targetOf, type RawTarget } from '../helpers/raw-http.js';
import { newSigningJwk, mintDevToken } from '../../src/graph/dev-identity.js';
import { AppHost } from '../../src/server/app-host.js';
import { parseServeConfig } from '../../src/server/config.js';
import { makeDevChain } from '../../src/server/dev-tls.js';
import { SecretBox } from '../../src/service/secret-box.js';
import { listen } from '../helpers/server.js';

const REQUEST_TIMEOUT_MS = 1000;

/** A listening server over HTTPS, what to trust, a token it takes, and how to stop it. */
interface Edge {
  readonly url: string;
  readonly ca: Buffer;
  readonly token: string;
  stop(): Promise<void>;
}

/** `serve`'s own listener, and a listener of an app host (startPfxstore's): each answers the edge itself. */
const LISTENERS: Record<string, () => Promise<Edge>> = {
  'pfxstore serve': async () => {
    const server = await listen(['--request-timeout-ms', String(REQUEST_TIMEOUT_MS)]);
    return { url: server.url, ca: readFileSync(server.caPath!), token: await server.token(), stop: () => server.stop() };
  },
  'a hosted server (startPfxstore)': async () => {
    const [signingJwk, chain] = await Promise.all([newSigningJwk(), makeDevChain()]);
    const config = parseServeConfig(['--host', '127.0.0.1', '--port', '0', '--auth', 'dev', '--db', 'memory',
      '--log-level', 'silent', '--request-timeout-ms', String(REQUEST_TIMEOUT_MS)], {}, false);
    const host = await AppHost.create({ config, signingJwk, secrets: SecretBox.ephemeral() });
    const server = await host.listen({ tls: { cert: chain.leafPem, key: chain.leafKeyPem } });
    return { url: server.url, ca: Buffer.from(chain.caPem), token: await mintDevToken(server.identity), stop: () => server.close() };
  },
};

/**
 * Requests that fail before any route runs — in the router or in Node's HTTP parser — still answer with the
 * Graph error body and a request-id (CONTRACT §3), sent as raw bytes to a real listener, over HTTPS.
 */
for (const [name, start] of Object.entries(LISTENERS)) {
  describe(`errors at the edge of the server, over a real HTTPS listener: ${name}`, () => {
    let server: Edge;
    let target: RawTarget;
    let auth: string;
    const get = (path: string, headers = '') =>
      rawRequest(target, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${auth}\r\n${headers}\r\n`);

    before(async () => {
      server = await start();
      target = targetOf(server.url, server.ca);
      auth = server.token;
    });
    after(() => server.stop());

    test('malformed percent-encoding: 400 naming the bad escape', async () => {
      assertGraphError(await get(`${CERTS}/%ff`), 400, 'BadRequest', /malformed percent-encoding: '%ff' does not decode to UTF-8/);
      assertGraphError(await get('/beta/users/%E2%82'), 400, 'BadRequest', /'%E2%82' does not decode/);
      assertGraphError(await get(`${CERTS}/abc%zz`), 400, 'BadRequest', /'%zz' is not an escape/);
    });

    test('long keys: a bad certificate key of 200 characters explains the key form; past 1024 the router refuses it the same way', async () => {
      assertGraphError(await get(`${CERTS}/${'a'.repeat(200)}`), 400, 'BadRequest', /a userPfxCertificate id is '\{user id\}-\{thumbprint\}'/);
      assertGraphError(await get(`${CERTS}/${'a'.repeat(1100)}`), 400, 'BadRequest', /longer than 1024 characters.*'\{user id\}-\{thumbprint\}'/);
      // A userPrincipalName may have 113 characters: looked up, not refused for its length.
      const upn = `${'u'.repeat(64)}@${'d'.repeat(44)}.com`;
      assertGraphError(await get(`/beta/users/${upn}`), 404, 'ResourceNotFound', /./);
    });

    test('an unclosed key literal: 400 naming the key syntax, not a 404', async () => {
      assertGraphError(await get(`/beta/deviceManagement/userPfxCertificates('abc`), 400, 'BadRequest', /key after 'userPfxCertificates\(' is not closed: write userPfxCertificates\('\{key\}'\)/);
      assertGraphError(await get(`/beta/users('alice@contoso.com`), 400, 'BadRequest', /key after 'users\(' is not closed/);
    });

    test('malformed request lines: raw spaces, an unknown method, another protocol version', async () => {
      assertGraphError(await rawRequest(target, `GET ${CERTS}/a b HTTP/1.1\r\nHost: localhost\r\n\r\n`), 400, 'BadRequest', /percent-encoded as %20/);
      assertGraphError(await rawRequest(target, 'G@T /beta HTTP/1.1\r\nHost: localhost\r\n\r\n'), 400, 'BadRequest', /method is not an HTTP method/);
      assertGraphError(await rawRequest(target, 'GET /beta HTTP/7.0\r\nHost: localhost\r\n\r\n'), 400, 'BadRequest', /'HTTP\/1\.1' or 'HTTP\/1\.0'/);
      assertGraphError(await rawRequest(target, 'GET /beta HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n'), 400, 'BadRequest', /not valid HTTP\/1\.1: Invalid header token/);
      assertGraphError(await rawRequest(target, 'POST /beta/users HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'),
        400, 'BadRequest', /not valid HTTP\/1\.1/);
    });

    test('a header section over the limit: 431 with the Graph body', async () => {
      assertGraphError(await get('/beta', `X-Padding: ${'a'.repeat(20_000)}\r\n`), 431, 'RequestHeaderFieldsTooLarge', /exceed 16 KB/);
    });

    test("an Expect other than 100-continue: 417 with the Graph body, the client's correlation id kept", async () => {
      const res = await get('/beta', 'Expect: something-else\r\nclient-request-id: corr-417\r\n');
      assertGraphError(res, 417, 'ExpectationFailed', /'something-else' is not supported; only 'Expect: 100-continue'/);
      assert.equal(JSON.parse(res.body).error.innerError['client-request-id'], 'corr-417');
    });

    test('a body trickling in a byte at a time is cut at the request timeout with a 408', async () => {
      const head = `POST /beta/users HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${auth}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
      const res = await rawRequest(target, [head, ...Array.from({ length: 40 }, () => ' ')], { gapMs: 200 });
      assertGraphError(res, 408, 'RequestTimeout', /whole request within 1 s/);
      assert.ok(res.elapsedMs < REQUEST_TIMEOUT_MS + 2000, `cut after ${res.elapsedMs} ms`);
      const users = await get('/beta/users');
      assert.equal(users.status, 200, 'the server is well afterwards');
    });

    test('headers that never end are cut too', async () => {
      const res = await rawRequest(target, ['GET /beta HTTP/1.1\r\n', ...Array.from({ length: 40 }, (_, i) => `X-${i}: a\r\n`)], { gapMs: 200 });
      assertGraphError(res, 408, 'RequestTimeout', /headers must arrive within 1 s/);
    });
  });
}
