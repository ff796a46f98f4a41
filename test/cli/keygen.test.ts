import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './harness.js';

describe('pfxstore keygen', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pfxstore-keygen-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes a PKCS#8 private key at mode 0600 and its SPKI public key', async () => {
    const out = join(dir, 'corp');
    const r = await runCli(['keygen', '--out', out, '--bits', '2048']);
    assert.equal(r.code, 0, r.stderr);
    const keyPem = await readFile(`${out}.key.pem`, 'utf8');
    const pubPem = await readFile(`${out}.pub.pem`, 'utf8');
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.match(pubPem, /^-----BEGIN PUBLIC KEY-----/);
    assert.equal((await stat(`${out}.key.pem`)).mode & 0o777, 0o600);
    const priv = createPrivateKey(keyPem);
    assert.equal(priv.asymmetricKeyType, 'rsa');
    assert.equal(priv.asymmetricKeyDetails?.modulusLength, 2048);
    // The two files are one pair.
    assert.equal(createPublicKey(priv).export({ type: 'spki', format: 'pem' }), createPublicKey(pubPem).export({ type: 'spki', format: 'pem' }));
  });

  it('never overwrites an existing private key (exit 1)', async () => {
    const out = join(dir, 'corp');
    const before = await readFile(`${out}.key.pem`, 'utf8');
    const r = await runCli(['keygen', '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already exists/);
    assert.equal(await readFile(`${out}.key.pem`, 'utf8'), before);
  });

  it('refuses other key sizes and a missing --out as usage errors (exit 2)', async () => {
    const [bits, noOut] = await Promise.all([runCli(['keygen', '--out', join(dir, 'x'), '--bits', '1024']), runCli(['keygen'])]);
    assert.equal(bits.code, 2);
    assert.match(bits.stderr, /--bits must be one of 2048, 3072, 4096/);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /--out NAME is required/);
  });
});
