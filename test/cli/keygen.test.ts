import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { access, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readRsaPrivateKey, readRsaPublicKey } from '../../src/pfx/index.js';
import { openssl } from '../helpers/openssl.js';
import { runCli } from './harness.js';

const missing = (path: string) => access(path).then(() => false, () => true);

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

  it('--format cng: the RSAFULLPRIVATEBLOB at mode 0600 and its RSAPUBLICBLOB, one pair, no PEM', async () => {
    const out = join(dir, 'cng');
    const r = await runCli(['keygen', '--out', out, '--bits', '3072', '--format', 'cng']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `private key (RSAFULLPRIVATEBLOB, mode 0600): ${out}.private.cngblob\npublic key (RSAPUBLICBLOB): ${out}.public.cngblob\n`);
    const [privateBlob, publicBlob] = await Promise.all([readFile(`${out}.private.cngblob`), readFile(`${out}.public.cngblob`)]);
    assert.equal((await stat(`${out}.private.cngblob`)).mode & 0o777, 0o600);
    assert.equal(privateBlob.subarray(0, 4).toString('latin1'), 'RSA3');
    assert.equal(privateBlob.readUInt32LE(4), 3072);
    assert.equal(publicBlob.subarray(0, 4).toString('latin1'), 'RSA1');
    const key = readRsaPrivateKey(privateBlob);
    assert.ok(createPublicKey(key).equals(readRsaPublicKey(publicBlob)));
    assert.ok(await missing(`${out}.key.pem`));
    assert.ok(await missing(`${out}.pub.pem`));
  });

  it('--format both: the four files are one key; OpenSSL reads the PEM and finds the blob\'s modulus', async () => {
    const out = join(dir, 'both');
    const r = await runCli(['keygen', '--out', out, '--format', 'both']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split(': ')[1]),
      [`${out}.key.pem`, `${out}.pub.pem`, `${out}.private.cngblob`, `${out}.public.cngblob`]);
    for (const file of [`${out}.key.pem`, `${out}.private.cngblob`]) assert.equal((await stat(file)).mode & 0o777, 0o600, file);
    const fromPem = createPrivateKey(await readFile(`${out}.key.pem`));
    const fromBlob = readRsaPrivateKey(await readFile(`${out}.private.cngblob`));
    assert.ok(fromPem.equals(fromBlob));
    assert.ok(readRsaPublicKey(await readFile(`${out}.public.cngblob`)).equals(createPublicKey(await readFile(`${out}.pub.pem`))));
    const modulus = (await openssl(['rsa', '-in', `${out}.key.pem`, '-noout', '-modulus'])).toString().trim();
    assert.equal(modulus, `Modulus=${Buffer.from(fromBlob.export({ format: 'jwk' }).n!, 'base64url').toString('hex').toUpperCase()}`);
  });

  it('refuses when any of the files exists, and then writes none of them (exit 1)', async () => {
    const out = join(dir, 'taken');
    await writeFile(`${out}.public.cngblob`, 'keep me');
    const r = await runCli(['keygen', '--out', out, '--format', 'both']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `pfxstore keygen: ${out}.public.cngblob already exists; not overwriting (choose another --out). Nothing was written.\n`);
    assert.equal(await readFile(`${out}.public.cngblob`, 'utf8'), 'keep me');
    for (const file of [`${out}.key.pem`, `${out}.pub.pem`, `${out}.private.cngblob`]) assert.ok(await missing(file), file);
  });

  it('refuses other key sizes, a missing --out and an unknown --format as usage errors (exit 2)', async () => {
    const [bits, noOut] = await Promise.all([runCli(['keygen', '--out', join(dir, 'x'), '--bits', '1024']), runCli(['keygen'])]);
    assert.equal(bits.code, 2);
    assert.match(bits.stderr, /--bits must be one of 2048, 3072, 4096/);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /--out NAME is required/);
    const format = await runCli(['keygen', '--out', join(dir, 'y'), '--format', 'der']);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /^pfxstore keygen: --format must be one of pem, cng, both, not 'der'\.\n\nUsage: pfxstore keygen /);
    assert.ok(await missing(join(dir, 'y.key.pem')));
  });
});
