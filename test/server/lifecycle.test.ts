import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { certificateBody } from '../helpers/certificate-fixtures.js';
import { MAIN, spawnServer } from '../helpers/child-server.js';
import { waitFor } from '../helpers/wait.js';
import { loadDevIdentity } from '../../src/graph/dev-identity.js';

/** `serve` as a real process: its start-up output, SIGTERM draining, and durability across SIGKILL. */
describe('the serve process', () => {
  let dataDir: string;
  let token: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pfxstore-life-'));
    await loadDevIdentity(dataDir); // what serve makes at its first start; pfxstore token only reads it
    token = execFileSync(process.execPath, [MAIN, 'token', '--data', dataDir], { encoding: 'utf8' }).trim();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const post = (url: string, body: unknown) => fetch(`${url}/beta/deviceManagement/userPfxCertificates`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });

  test('prints the listening line, the tenant id and the dev CA path; pfxstore token works against it', async () => {
    const server = await spawnServer(['--data', dataDir]);
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(server.stdout(), /tenant id: [0-9a-f-]{36}/);
      assert.match(server.stdout(), new RegExp(`dev CA certificate: ${join(dataDir, 'dev-ca.pem').replace(/\//g, '\\/')}`));
    } finally {
      server.process.kill('SIGTERM');
      assert.deepEqual(await server.exited, { code: 0, signal: null });
    }
  });

  test('SIGTERM: a request in flight finishes (201), then the process exits 0', async () => {
    // At info level the server logs each request as it arrives and 'shutting down' when the signal lands.
    const server = await spawnServer(['--data', dataDir, '--http', '--log-level', 'info']);
    const body = Buffer.from(JSON.stringify(await certificateBody()));
    const url = new URL(`${server.url}/beta/deviceManagement/userPfxCertificates`);
    let req!: ClientRequest;
    const response = new Promise<number>((resolve, reject) => {
      req = request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length },
      }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on('error', reject);
    });
    response.catch(() => undefined); // awaited below; when a wait fails first, its rejection is not the failure
    // Half the body; once the server has the request, SIGTERM; once it is shutting down, the rest: the request
    // is in flight when the signal lands.
    try {
      req.write(body.subarray(0, 100));
      await server.waitForOutput('stderr', /"msg":"incoming request"/);
      server.process.kill('SIGTERM');
      await server.waitForOutput('stderr', /"msg":"shutting down"/);
      req.end(body.subarray(100));
      assert.equal(await response, 201);
      assert.deepEqual(await server.exited, { code: 0, signal: null });
    } finally {
      // A failed wait leaves neither the request nor the process behind.
      req.destroy();
      if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
    }
  });

  test('SIGKILL in the middle of a stream of creates: after a restart every create answered 201 is there, intact', async () => {
    const server = await spawnServer(['--data', dataDir, '--http']);
    const answered: Record<string, any>[] = [];
    let stop = false;
    const writer = async () => {
      while (!stop) {
        try {
          const res = await post(server.url, await certificateBody({ userPrincipalName: 'durable@contoso.com' }));
          if (res.status === 201) answered.push(await res.json());
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    // The kill lands once a good number of creates have been answered, while the writers keep creating.
    await waitFor(() => answered.length >= 50, { what: '50 creates answered', timeoutMs: 30_000 });
    server.process.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await server.exited;
    assert.ok(answered.length > 20, `only ${answered.length} creates were answered before the kill`);

    const again = await spawnServer(['--data', dataDir, '--http']);
    try {
      const exportToken = execFileSync(process.execPath, [MAIN, 'token', '--data', dataDir, '--roles',
        'DeviceManagementConfiguration.Read.All UserPfxCertificate.Export.All'], { encoding: 'utf8' }).trim();
      for (const created of answered) {
        const res = await fetch(`${again.url}/beta/deviceManagement/userPfxCertificates/${created.id}`, { headers: { authorization: `Bearer ${exportToken}` } });
        assert.equal(res.status, 200, `certificate ${created.id} answered 201 but is gone`);
        const stored = await res.json();
        for (const key of ['thumbprint', 'keyName', 'providerName', 'expirationDateTime', 'encryptedPfxBlob', 'encryptedPfxPassword']) {
          assert.equal(stored[key], created[key], `${key} of ${created.id}`);
        }
      }
    } finally {
      again.process.kill('SIGTERM');
      await again.exited;
    }
  });
});

describe('the SQLite file belongs to one process', () => {
  test('a second serve on the same --data fails at start with a message pointing to PostgreSQL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pfxstore-excl-'));
    const first = await spawnServer(['--data', dataDir, '--http']);
    try {
      await assert.rejects(spawnServer(['--data', dataDir, '--http']), /in use by another process.*PostgreSQL/s);
    } finally {
      first.process.kill('SIGTERM');
      await first.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
