import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch } from 'undici';
import { type CliServer, runCli, startCliServer } from './harness.js';

/** The repository, from dist/test/cli. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = join(ROOT, 'examples', 'make-cert-json.sh');

function sh(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => { stderr += c; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('examples/make-cert-json.sh: the body the README posts with curl', () => {
  let srv: CliServer;
  let dir: string;
  let agent: Agent;

  before(async () => {
    [srv, dir] = await Promise.all([startCliServer(), mkdtemp(join(tmpdir(), 'pfxstore-example-'))]);
    agent = new Agent({ connect: { ca: readFileSync(srv.server.caPath!) } });
  });
  after(async () => {
    await Promise.all([srv?.stop(), agent?.close(), rm(dir, { recursive: true, force: true })]);
  });

  const post = (body: string, token: string) => fetch(`${srv.baseUrl}/deviceManagement/userPfxCertificates`, {
    method: 'POST', body, dispatcher: agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });

  it('makes a PFX and cert.json, one complete body that the server takes with a 201', async () => {
    const made = await sh([SCRIPT, 'carol@contoso.com', dir], ROOT);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /cert\.json: the request body that imports carol\.pfx for carol@contoso\.com/);
    const body = await readFile(join(dir, 'cert.json'), 'utf8');
    const cert = JSON.parse(body);
    assert.equal(cert.userPrincipalName, 'carol@contoso.com');
    assert.equal(cert.encryptedPfxBlob, (await readFile(join(dir, 'carol.pfx'))).toString('base64'));

    // As the README does it: a token from `pfxstore token` for the server's data directory.
    const token = await runCli(['token', '--data', srv.server.dataDir]);
    assert.equal(token.code, 0, token.stderr);
    const created = await post(body, token.stdout.trim());
    assert.equal(created.status, 201, await created.clone().text());
    const record = await created.json() as Record<string, string>;
    assert.equal(record.thumbprint, cert.thumbprint);
    assert.equal(record.intendedPurpose, 'smimeEncryption');
  });

  it('a second run reuses the connector key and makes a new certificate: its body is a new record', async () => {
    const corp = await readFile(join(dir, 'corp.pub.pem'), 'utf8');
    const first = JSON.parse(await readFile(join(dir, 'cert.json'), 'utf8'));
    const made = await sh([SCRIPT, 'carol@contoso.com', dir], ROOT);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(await readFile(join(dir, 'corp.pub.pem'), 'utf8'), corp);
    const body = await readFile(join(dir, 'cert.json'), 'utf8');
    assert.notEqual(JSON.parse(body).thumbprint, first.thumbprint);
    assert.equal((await post(body, await srv.server.token())).status, 201);
  });
});
