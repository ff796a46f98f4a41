/**
 * `serve --record FILE.har` (issue #14): a real listening server on each store records a client's session; the file
 * must be valid HAR 1.2 (checked with the har-schema JSON schemas), list every exchange in order, and hold no
 * secret in plain text anywhere.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { certificateBody, CERTS } from '../helpers/certificate-fixtures.js';
import { headerValue, validHar, type HarEntry } from '../helpers/har.js';
import { postgresTestDb, type PostgresTestDb } from '../helpers/postgres.js';
import { listen } from '../helpers/server.js';
import { EXPORT_ROLES, runCli } from '../cli/harness.js';
import { spawnServer } from '../helpers/child-server.js';
import { waitFor } from '../helpers/wait.js';

const REDACTED = '[redacted]';

let db: PostgresTestDb;
let dir: string;
before(async () => {
  db = await postgresTestDb(import.meta.url);
  dir = mkdtempSync(join(tmpdir(), 'pfxstore-har-'));
});
after(async () => {
  await db.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** What a session sent and was sent that must never reach the file in plain text. */
interface Session {
  readonly secrets: Record<string, string>;
  readonly certificateId: string;
  readonly tenant: string;
}

/**
 * A client's session: the dev token endpoint, create, read with the export role, a gzip-compressed PATCH, a
 * `$batch` (create and read), then a 400 (a truncated body) and two 401s.
 */
async function clientSession(base: string, exportToken: string, clientSecret: string, tenant: string): Promise<Session> {
  const tokenResponse = await fetch(`${base}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'har-test', client_secret: clientSecret }),
  });
  assert.equal(tokenResponse.status, 200);
  const accessToken = ((await tokenResponse.json()) as { access_token: string }).access_token;
  const bearer = { authorization: `Bearer ${accessToken}` };
  const json = { 'content-type': 'application/json' };

  const first = await certificateBody();
  const created = await fetch(`${base}${CERTS}`, { method: 'POST', headers: { ...bearer, ...json }, body: JSON.stringify(first) });
  assert.equal(created.status, 201);
  const certificateId = ((await created.json()) as { id: string }).id;

  const read = await fetch(`${base}${CERTS}/${certificateId}`, { headers: { authorization: `Bearer ${exportToken}` } });
  assert.equal(read.status, 200);
  assert.equal(((await read.json()) as { encryptedPfxPassword: string }).encryptedPfxPassword, first.encryptedPfxPassword);

  const newPassword = randomBytes(256).toString('base64');
  const patched = await fetch(`${base}${CERTS}/${certificateId}`, {
    method: 'PATCH',
    headers: { ...bearer, ...json, 'content-encoding': 'gzip' },
    body: gzipSync(JSON.stringify({ encryptedPfxPassword: newPassword, keyName: 'RotatedKey' })),
  });
  assert.equal(patched.status, 204);

  const second = await certificateBody({ userPrincipalName: 'bob@contoso.com' });
  const batch = await fetch(`${base}/beta/$batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${exportToken}`, ...json },
    body: JSON.stringify({
      requests: [
        { id: '1', method: 'POST', url: '/deviceManagement/userPfxCertificates', headers: json, body: second },
        { id: '2', method: 'GET', url: `/deviceManagement/userPfxCertificates/${certificateId}`, dependsOn: ['1'] },
      ],
    }),
  });
  assert.equal(batch.status, 200);
  const answers = ((await batch.json()) as { responses: { status: number }[] }).responses;
  assert.deepEqual(answers.map((r) => r.status), [201, 200]);

  const truncatedSecret = randomBytes(48).toString('base64');
  const invalid = await fetch(`${base}${CERTS}`, {
    method: 'POST', headers: { ...bearer, ...json }, body: `{"encryptedPfxPassword": "${truncatedSecret}`,
  });
  assert.equal(invalid.status, 400);
  await invalid.body?.cancel();

  assert.equal((await fetch(`${base}/beta/users`)).status, 401);
  const forged = `eyJhbGciOiJub25lIn0.${randomBytes(24).toString('base64url')}.`;
  assert.equal((await fetch(`${base}/beta/users`, { headers: { authorization: `Bearer ${forged}` } })).status, 401);

  return {
    certificateId,
    tenant,
    secrets: {
      'the dev client secret': clientSecret,
      'the access token': accessToken,
      'the export token': exportToken,
      'a forged token': forged,
      'the PFX blob': first.encryptedPfxBlob as string,
      'the first password': first.encryptedPfxPassword as string,
      'the patched password': newPassword,
      'the password created in the batch': second.encryptedPfxPassword as string,
      'the password in a truncated body': truncatedSecret,
    },
  };
}

/** Asserts the recording of `clientSession`: order, shape and redaction. */
function checkRecording(text: string, session: Session): void {
  for (const [what, value] of Object.entries(session.secrets)) {
    assert.ok(!text.includes(value), `${what} is in the recording`);
  }
  const har = validHar(text);
  assert.equal(har.log.version, '1.2');
  assert.equal(har.log.creator.name, 'pfxstore');
  const entries = har.log.entries;
  const item = `${CERTS}/${session.certificateId}`;
  // The requests the batch ran inside the server are not entries of their own.
  assert.deepEqual(entries.map((e) => [e.request.method, new URL(e.request.url).pathname, e.response.status]), [
    ['POST', `/${session.tenant}/oauth2/v2.0/token`, 200],
    ['POST', CERTS, 201],
    ['GET', item, 200],
    ['PATCH', item, 204],
    ['POST', '/beta/$batch', 200],
    ['POST', CERTS, 400],
    ['GET', '/beta/users', 401],
    ['GET', '/beta/users', 401],
  ]);
  const [token, create, read, patch, batch, invalid, anonymous, forged] = entries as HarEntry[] as
    [HarEntry, HarEntry, HarEntry, HarEntry, HarEntry, HarEntry, HarEntry, HarEntry];

  assert.deepEqual(token.request.postData?.params?.find((p) => p.name === 'client_secret'), { name: 'client_secret', value: REDACTED });
  assert.match(token.request.postData?.text ?? '', /client_id=har-test/);
  assert.equal(JSON.parse(token.response.content.text!).access_token, REDACTED);
  assert.equal(JSON.parse(token.response.content.text!).token_type, 'Bearer');

  for (const entry of [create, patch, invalid, forged]) assert.equal(headerValue(entry.request.headers, 'authorization'), `Bearer ${REDACTED}`);
  assert.equal(headerValue(anonymous.request.headers, 'authorization'), undefined);

  const sent = JSON.parse(create.request.postData!.text!);
  assert.equal(create.request.postData!.mimeType, 'application/json');
  assert.equal(sent.encryptedPfxBlob, REDACTED);
  assert.equal(sent.encryptedPfxPassword, REDACTED);
  assert.equal(sent.keyName, 'PFXEncryptionKey');
  const echoed = JSON.parse(create.response.content.text!);
  assert.equal(echoed.id, session.certificateId);
  assert.equal(echoed.encryptedPfxBlob, REDACTED);
  assert.equal(headerValue(create.response.headers, 'location')?.endsWith(item), true);

  const exported = JSON.parse(read.response.content.text!);
  assert.equal(exported.encryptedPfxPassword, REDACTED);
  assert.equal(exported.encryptedPfxBlob, REDACTED);
  assert.equal(read.request.postData, undefined);

  // The body as the server read it, after gzip; bodySize is what came over the wire.
  assert.equal(headerValue(patch.request.headers, 'content-encoding'), 'gzip');
  assert.deepEqual(JSON.parse(patch.request.postData!.text!), { encryptedPfxPassword: REDACTED, keyName: 'RotatedKey' });
  assert.equal(patch.request.bodySize, Number(headerValue(patch.request.headers, 'content-length')));
  assert.equal(patch.response.content.size, 0);

  const batchSent = JSON.parse(batch.request.postData!.text!);
  assert.equal(batchSent.requests[0].body.encryptedPfxPassword, REDACTED);
  assert.equal(batchSent.requests[0].body.userPrincipalName, 'bob@contoso.com');
  const batchAnswered = JSON.parse(batch.response.content.text!);
  assert.equal(batchAnswered.responses[0].body.encryptedPfxBlob, REDACTED);
  assert.equal(batchAnswered.responses[1].body.encryptedPfxPassword, REDACTED);
  assert.equal(batchAnswered.responses[1].body.keyName, 'RotatedKey');

  // Not JSON, yet the secret's value is gone and the rest is as sent.
  assert.equal(invalid.request.postData!.text, `{"encryptedPfxPassword": "${REDACTED}"`);
  assert.equal(JSON.parse(invalid.response.content.text!).error.code, 'BadRequest');
  assert.equal(JSON.parse(anonymous.response.content.text!).error.code, 'InvalidAuthenticationToken');

  for (const entry of entries) {
    assert.equal(entry.response.headers.some((h) => h.name === 'request-id' && h.value === entry._requestId), true);
    assert.ok(entry.time >= 0 && entry.timings.wait >= 0);
    assert.ok(Math.abs(Date.parse(entry.startedDateTime) - Date.now()) < 120_000);
  }
}

/** Records a client's session on a server started with `args`; over HTTPS (trusting the dev CA) unless `--http`. */
async function recordedSession(name: string, args: string[]): Promise<HarEntry[]> {
  const file = join(dir, `${name}.har`);
  const server = await listen(['--record', file, ...args]);
  const previous = getGlobalDispatcher();
  // fetch takes no CA per call; the global dispatcher is what it connects through.
  if (server.caPath) setGlobalDispatcher(new Agent({ connect: { ca: readFileSync(server.caPath) } }));
  let session: Session;
  try {
    const exportToken = await server.token({ roles: EXPORT_ROLES });
    session = await clientSession(server.url, exportToken, server.devIdentity!.clientSecret, server.devIdentity!.tenantId);
  } finally {
    setGlobalDispatcher(previous);
    await server.stop();
  }
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  checkRecording(text, session);
  const { entries } = validHar(text).log;
  for (const entry of entries) assert.ok(entry.request.url.startsWith(`${server.url}/`), entry.request.url);
  return entries;
}

describe('serve --record', () => {
  test('on SQLite: valid HAR 1.2, every exchange in order, no secret in plain text', async () => {
    await recordedSession('sqlite', ['--http']);
  });

  test('over HTTPS: the same, with the https URLs the client used', async () => {
    const entries = await recordedSession('https', ['--db', 'memory']);
    assert.ok(entries.length > 0 && entries.every((entry) => entry.request.url.startsWith('https://')));
  });

  test('on memory', async () => {
    await recordedSession('memory', ['--http', '--db', 'memory']);
  });

  test('a body over the limit (413) and JSON sent as text/plain (415): recorded, their secrets redacted', async () => {
    const file = join(dir, 'refused.har');
    const server = await listen(['--http', '--record', file, '--db', 'memory', '--body-limit', '1024']);
    const [large, plain] = [randomBytes(1500).toString('base64'), randomBytes(48).toString('base64')];
    try {
      const headers = { authorization: `Bearer ${await server.token()}` };
      const tooLarge = await fetch(`${server.url}${CERTS}`, {
        method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ encryptedPfxBlob: large }),
      });
      assert.equal(tooLarge.status, 413);
      const notJson = await fetch(`${server.url}${CERTS}`, {
        method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: JSON.stringify({ encryptedPfxPassword: plain }),
      });
      assert.equal(notJson.status, 415);
    } finally {
      await server.stop();
    }
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(large) && !text.includes(plain));
    const entries = validHar(text).log.entries;
    assert.deepEqual(entries.map((e) => e.response.status), [413, 415]);
    assert.equal(JSON.parse(entries[1]!.request.postData!.text!).encryptedPfxPassword, REDACTED);
    assert.equal(entries[1]!.request.postData!.mimeType, 'text/plain');
    assert.equal(JSON.parse(entries[0]!.response.content.text!).error.code, 'RequestEntityTooLarge');
  });

  test('on PostgreSQL', async (t) => {
    if (db.skip) return t.skip(db.skip);
    await recordedSession('postgres', ['--db', db.urlFor(db.newSchema())]);
  });
});

/** The file's entries once it is valid HAR holding `count` of them (it is written after the responses go out). */
function entriesOnceWritten(file: string, count: number): Promise<HarEntry[]> {
  return waitFor(() => {
    try {
      const entries = validHar(readFileSync(file, 'utf8')).log.entries;
      return entries.length === count && entries;
    } catch {
      return undefined; // not created yet, or read in the middle of a write
    }
  }, { what: `${count} entries in ${file}` });
}

describe('serve --record as a process', () => {
  test('SIGKILL leaves a valid file with every entry written so far', async () => {
    const data = mkdtempSync(join(dir, 'data-'));
    const file = join(dir, 'killed.har');
    const child = await spawnServer(['--http', '--data', data, '--record', file]);
    try {
      for (const path of ['/healthz', '/beta/users', '/beta/nowhere']) await (await fetch(`${child.url}${path}`)).arrayBuffer();
      await entriesOnceWritten(file, 3);
    } finally {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    const entries = validHar(readFileSync(file, 'utf8')).log.entries;
    assert.deepEqual(entries.map((e) => [new URL(e.request.url).pathname, e.response.status]),
      [['/healthz', 200], ['/beta/users', 401], ['/beta/nowhere', 404]]);
  });

  test('SIGTERM completes the file before exiting 0 (the flag read from PFXSTORE_RECORD)', async () => {
    const data = mkdtempSync(join(dir, 'data-'));
    const file = join(dir, 'stopped.har');
    const child = await spawnServer(['--http', '--data', data], { PFXSTORE_RECORD: file });
    const paths = Array.from({ length: 20 }, (_, i) => `/healthz?n=${i}`);
    try {
      await Promise.all(paths.map(async (path) => (await fetch(`${child.url}${path}`)).arrayBuffer()));
    } finally {
      child.process.kill('SIGTERM');
    }
    assert.deepEqual(await child.exited, { code: 0, signal: null });
    const entries = validHar(readFileSync(file, 'utf8')).log.entries;
    assert.deepEqual(entries.map((e) => new URL(e.request.url).pathname + new URL(e.request.url).search).sort(), [...paths].sort());
    assert.deepEqual(entries[0]!.request.queryString.map((q) => q.name), ['n']);
  });

  test('a directory that does not exist is a usage error (exit 2)', async () => {
    const missing = join(dir, 'no-such-dir');
    const res = await runCli(['serve', '--http', '--port', '0', '--data', join(dir, 'unused'), '--record', join(missing, 'x.har')]);
    assert.equal(res.code, 2);
    assert.equal(res.stderr.split('\n')[0], `pfxstore serve: --record: the directory '${missing}' does not exist.`);
  });

  test('an existing file is refused, never overwritten (exit 2)', async () => {
    const file = join(dir, 'earlier.har');
    writeFileSync(file, 'an earlier recording');
    const res = await runCli(['serve', '--http', '--port', '0', '--data', join(dir, 'unused'), '--record', file]);
    assert.equal(res.code, 2);
    assert.equal(res.stderr.split('\n')[0],
      `pfxstore serve: --record: '${file}' already exists; a recording is never overwritten: remove it or name a new file.`);
    assert.equal(readFileSync(file, 'utf8'), 'an earlier recording');
  });

  test('serve --help lists the flag and its variable', async () => {
    const res = await runCli(['serve', '--help']);
    assert.equal(res.code, 0);
    assert.match(res.stdout, /--record FILE\.har\s+write every request and response to a new HAR 1\.2 file[^\n]*\[env: PFXSTORE_RECORD\]/);
  });
});
