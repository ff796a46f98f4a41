import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { certificateBody } from '../helpers/certificate-fixtures.js';
import { assertGraphShaped, rawRequest, targetOf, type RawResponse, type RawTarget } from '../helpers/raw-http.js';
import { listen, type ListeningServer } from '../helpers/server.js';

/** Requests per run: enough to reach every branch below many times, small enough for a few seconds. */
const REQUESTS = 600;
const SEED = Number(process.env.PFXSTORE_FUZZ_SEED ?? 20261204);
const PARALLEL = 8;

/** mulberry32: a small seeded generator, so a failure is reproduced by its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  return { next, pick, chance: (p: number) => next() < p };
}

const PATHS = [
  '/beta/deviceManagement/userPfxCertificates', '/beta/deviceManagement/userPfxCertificates/$count',
  "/beta/deviceManagement/userPfxCertificates('0123456789abcdef0123456789abcdef-0123456789abcdef0123456789abcdef01234567')",
  '/beta/deviceManagement/userPfxCertificates/0123456789abcdef0123456789abcdef-0123456789abcdef0123456789abcdef01234567',
  '/beta/deviceManagement/userPfxCertificates/$ref', '/beta/deviceManagement/auditEvents', '/beta/users',
  "/beta/users('alice@contoso.com')", '/beta/users/alice@contoso.com', '/beta/$batch', '/beta/$metadata', '/beta',
  '/v1.0/users', '/localtest/deviceManagement/userPfxCertificates', '/healthz', '/readyz', '/metrics', '/',
  '/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token', '/00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration',
];
const QUERIES = [
  '', `?$filter=userPrincipalName eq 'a'`, "?$filter=tolower(thumbprint) eq 'ab'", '?$top=0', '?$top=-1', '?$top=99999',
  '?$skiptoken=garbage', '?$orderby=expirationDateTime desc,id', '?$select=id,nope', '?$expand=x', '?$count=maybe',
  '?$filter=((((((((((', "?$filter=startswith(userPrincipalName,'a')", '?$filter=expirationDateTime lt 2027-01-01T00:00:00Z',
  "?$filter=userPrincipalName eq 'it''s'", '?$filter=encryptedPfxPassword eq null', '?filter=id eq 1', '?&&&==', '?$filter=%',
];
/** Bytes and sequences that have broken parsers and routers before. */
const HOSTILE = [
  '%', '%ff', '%00', '%2f', "'", "''", '(', ')', '..', '//', ' ', '\t', '\u00e9', '\u{1F600}', '\x7f', '\x00', '\r', '\n',
  '$', '?', '#', ';', '\\', '"', '<script>', '%u0041', '{', '}', 'a'.repeat(300), 'b'.repeat(2000), '%E2%82', '+',
];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'G@T', 'get', ''];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x', 'application/json; charset=latin1', '', ';;;', 'application/json\u00e9'];

function assertOAuthShaped(res: RawResponse): void {
  const body = JSON.parse(res.body);
  assert.equal(typeof body.error, 'string', res.body);
  assert.equal(typeof body.error_description, 'string', res.body);
}

describe(`a seeded fuzz of request lines, headers and bodies against a real listener (seed ${SEED})`, () => {
  let server: ListeningServer;
  let target: RawTarget;
  let token: string;
  let validBody: string;

  before(async () => {
    server = await listen(['--http', '--request-timeout-ms', '1000']);
    target = targetOf(server.url);
    token = await server.token();
    validBody = JSON.stringify(await certificateBody());
  });
  after(() => server.stop());

  test(`${REQUESTS} hostile requests: every answer is Graph-shaped and none is a 5xx`, async () => {
    const rng = random(SEED);
    const mutate = (text: string) => {
      if (!rng.chance(0.6)) return text;
      const at = Math.floor(rng.next() * (text.length + 1));
      return text.slice(0, at) + rng.pick(HOSTILE) + text.slice(rng.chance(0.3) ? at + 1 : at);
    };
    const makeRequest = (): { bytes: Buffer; head: boolean; target: string; describe: string } => {
      const method = mutate(rng.pick(METHODS));
      const target = mutate(rng.pick(PATHS) + (rng.chance(0.5) ? rng.pick(QUERIES) : ''));
      const version = rng.chance(0.95) ? 'HTTP/1.1' : rng.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', 'http/1.1', '']);
      const headers: string[] = ['Host: localhost'];
      if (rng.chance(0.8)) headers.push(`Authorization: ${rng.chance(0.8) ? `Bearer ${token}` : mutate(rng.pick(['Bearer x.y.z', 'Bearer ', 'Basic Zm9vOmJhcg==', `Bearer ${token}`]))}`);
      let body: Buffer = Buffer.alloc(0);
      if (rng.chance(0.5)) {
        body = Buffer.from(rng.pick([validBody, mutate(validBody), '{', '[]', 'null', '{"requests":[{"id":"1","method":"GET","url":"/users"}]}', mutate('{"userPrincipalName":"a@b.c"}'), '\u0000\u0001']));
        if (rng.chance(0.2)) { headers.push('Content-Encoding: gzip'); if (rng.chance(0.5)) body = gzipSync(body); }
        headers.push(`Content-Type: ${mutate(rng.pick(CONTENT_TYPES))}`);
      }
      if (rng.chance(0.9)) headers.push(`Content-Length: ${rng.chance(0.9) ? body.length : rng.pick([body.length + 5, -1, 'abc', `${body.length}, ${body.length}`])}`);
      else if (body.length > 0) { headers.push('Transfer-Encoding: chunked'); body = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from(rng.chance(0.8) ? '\r\n0\r\n\r\n' : '\r\nzz\r\n')]); }
      if (rng.chance(0.1)) headers.push(`Expect: ${rng.pick(['100-continue', 'nonsense', ''])}`);
      if (rng.chance(0.1)) headers.push(`client-request-id: ${mutate('c'.repeat(rng.pick([1, 50, 300])))}`);
      if (rng.chance(0.05)) headers.push(`X-Large: ${'x'.repeat(20_000)}`);
      if (rng.chance(0.1)) headers.push(mutate('Accept: application/json'));
      const head = `${method} ${target} ${version}`.trim();
      return {
        bytes: Buffer.concat([Buffer.from(`${head}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1'), body]),
        // 'HEAD' after a stray line break still parses as HEAD, whose answer has no body.
        head: method.trim().startsWith('HEAD'),
        target,
        describe: `${JSON.stringify(method)} ${head.slice(0, 150)} [${headers.map((h) => h.slice(0, 40)).join(' | ')}]`,
      };
    };
    const requests = Array.from({ length: REQUESTS }, makeRequest);
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const request = requests[next++];
        let res: RawResponse;
        try {
          res = await rawRequest(target, request.bytes, { head: request.head, timeoutMs: 5000 });
        } catch (err) {
          assert.fail(`no answer to ${request.describe}: ${(err as Error).message}`);
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(res.status >= 200 && res.status < 500, `${res.status} for ${request.describe}: ${res.body.slice(0, 300)}`);
        if (res.status >= 400 && !request.head) {
          try {
            // The dev authority's endpoints answer as OAuth does (RFC 6749 §5.2), which is what MSAL reads.
            if (/\/(oauth2|v2\.0)\//.test(request.target) && typeof JSON.parse(res.body).error === 'string') assertOAuthShaped(res);
            else assertGraphShaped(res);
          } catch (err) {
            assert.fail(`not Graph-shaped: ${res.status} ${res.body.slice(0, 200)} for ${request.describe}: ${(err as Error).message}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    // The fuzz must reach past the parser: a run that only met 400s tested one branch.
    for (const status of [200, 400, 401, 404]) assert.ok((statuses.get(status) ?? 0) > 0, `no ${status} in ${JSON.stringify([...statuses])}`);
    const ready = await rawRequest(target, 'GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.equal(ready.status, 200, 'the server is well afterwards');
  });
});
