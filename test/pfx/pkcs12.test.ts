import assert from 'node:assert/strict';
import { X509Certificate, createHmac, createPrivateKey, pbkdf2Sync, randomBytes, createDecipheriv } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { certificateValidity, thumbprint } from '../../src/pfx/certificate.js';
import { PfxError } from '../../src/pfx/errors.js';
import { checkPkcs12Structure, isPkcs12Structure, openPkcs12 } from '../../src/pfx/pkcs12.js';
import { bmpPassword, KDF_MAC, pkcs12Kdf } from '../../src/pfx/pkcs12-kdf.js';
import { assertPfxError } from '../helpers/pfx-errors.js';
import { OpensslWorkspace } from '../helpers/openssl.js';
import { buildPfx, buildSignedDataPfx, certBag, keyBag, shroudedKeyBag } from './pfx-builder.js';

const PASSWORD = 'correct horse battery staple';
const UNICODE_PASSWORD = 'pässwörd-ключ-🔑';

describe('PKCS#12 files made by OpenSSL 3', () => {
  let ws: OpensslWorkspace;
  const keys: Record<string, string> = {};
  const certs: Record<string, string> = {};
  const pfx: Record<string, Buffer> = {};

  before(async () => {
    ws = await OpensslWorkspace.create();
    // Keys once per file, concurrently: the 4096-bit one dominates.
    const [k2048, k3072, kRoot, kInt, k4096, kOther] = await Promise.all([
      ws.rsaKey('user2048', 2048),
      ws.rsaKey('user3072', 3072),
      ws.rsaKey('root', 2048),
      ws.rsaKey('intermediate', 2048),
      ws.rsaKey('user4096', 4096),
      ws.rsaKey('other', 2048),
    ]);
    Object.assign(keys, { k2048, k3072, kRoot, kInt, k4096, kOther });
    certs.self = await ws.certificate('self', { key: k2048, subject: '/CN=Self-signed user/O=pfxstore tests', days: 30 });
    certs.root = await ws.certificate('root', { key: kRoot, subject: '/CN=pfxstore Test Root CA', ca: true, days: 3650 });
    certs.int = await ws.certificate('int', { key: kInt, subject: '/CN=pfxstore Test Intermediate CA', ca: true, issuer: { cert: certs.root, key: kRoot } });
    // 10000 days reaches past 2050, so notAfter is a GeneralizedTime (RFC 5280 §4.1.2.5).
    certs.leaf = await ws.certificate('leaf', { key: k3072, subject: '/CN=Chain user', issuer: { cert: certs.int, key: kInt }, days: 10000 });
    certs.big = await ws.certificate('big', { key: k4096, subject: '/CN=4096-bit user' });
    // Root first, intermediate second: the reader must order the chain itself.
    const chain = await ws.write('chain.pem', Buffer.concat([await readFile(certs.root), await readFile(certs.int)]));

    const self = { cert: certs.self, key: k2048, password: PASSWORD };
    const made: Record<string, Promise<string>> = {
      default: ws.pkcs12('default', { ...self, extra: ['-name', 'Alice (default)'] }),
      legacy: ws.pkcs12('legacy', { ...self, legacy: true }),
      chainDefault: ws.pkcs12('chain-default', { cert: certs.leaf, key: k3072, certfile: chain, password: PASSWORD }),
      chainLegacy: ws.pkcs12('chain-legacy', { cert: certs.leaf, key: k3072, certfile: chain, password: PASSWORD, legacy: true }),
      big: ws.pkcs12('big', { cert: certs.big, key: k4096, password: PASSWORD }),
      nokeys: ws.pkcs12('nokeys', { ...self, nokeys: true }),
      nocerts: ws.pkcs12('nocerts', { ...self, extra: ['-nocerts'] }),
      nomac: ws.pkcs12('nomac', { ...self, extra: ['-nomac'] }),
      legacyNomac: ws.pkcs12('legacy-nomac', { ...self, legacy: true, extra: ['-nomac'] }),
      plain: ws.pkcs12('plain', { ...self, extra: ['-keypbe', 'NONE', '-certpbe', 'NONE'] }),
      emptyDefault: ws.pkcs12('empty-default', { ...self, password: '' }),
      emptyLegacy: ws.pkcs12('empty-legacy', { ...self, password: '', legacy: true }),
      unicodeDefault: ws.pkcs12('unicode-default', { ...self, password: UNICODE_PASSWORD }),
      unicodeLegacy: ws.pkcs12('unicode-legacy', { ...self, password: UNICODE_PASSWORD, legacy: true }),
      sha1Mac: ws.pkcs12('sha1-mac', { ...self, extra: ['-macalg', 'sha1', '-iter', '5000'] }),
      sha512Mac: ws.pkcs12('sha512-mac', { ...self, extra: ['-macalg', 'sha512'] }),
      descert: ws.pkcs12('descert', { ...self, extra: ['-descert'] }),
    };
    for (const [name, file] of Object.entries(made)) pfx[name] = await readFile(await file);
  });

  after(() => ws.cleanup());

  for (const name of ['default', 'legacy']) {
    test(`opens the ${name} format: thumbprint, dates and key match OpenSSL`, async () => {
      const opened = openPkcs12(pfx[name]!, PASSWORD);
      assert.equal(thumbprint(opened.certificate), await ws.sha1Fingerprint(certs.self!));
      assert.match(thumbprint(opened.certificate), /^[0-9a-f]{40}$/);
      assert.deepEqual(certificateValidity(opened.certificate), await ws.validity(certs.self!));
      assert.equal(opened.privateKey.asymmetricKeyType, 'rsa');
      assert.equal(opened.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
      assert.ok(opened.certificate.checkPrivateKey(opened.privateKey));
      assert.deepEqual(opened.chain, []);
      const expectedKey = createPrivateKey(await readFile(keys.k2048!));
      assert.deepEqual(opened.privateKey.export({ format: 'jwk' }), expectedKey.export({ format: 'jwk' }));
    });
  }

  test('reads the friendlyName', () => {
    assert.equal(openPkcs12(pfx.default!, PASSWORD).friendlyName, 'Alice (default)');
  });

  for (const name of ['chainDefault', 'chainLegacy']) {
    test(`${name}: the leaf is the key's certificate and the chain is ordered leaf → root`, async () => {
      const opened = openPkcs12(pfx[name]!, PASSWORD);
      assert.equal(thumbprint(opened.certificate), await ws.sha1Fingerprint(certs.leaf!));
      assert.deepEqual(
        opened.chain.map(thumbprint),
        [await ws.sha1Fingerprint(certs.int!), await ws.sha1Fingerprint(certs.root!)],
      );
      assert.equal(opened.privateKey.asymmetricKeyDetails?.modulusLength, 3072);
      const validity = certificateValidity(opened.certificate);
      assert.deepEqual(validity, await ws.validity(certs.leaf!));
      assert.ok(validity.notAfter.getUTCFullYear() > 2050, 'GeneralizedTime notAfter');
    });
  }

  test('opens a 4096-bit file', async () => {
    const opened = openPkcs12(pfx.big!, PASSWORD);
    assert.equal(opened.privateKey.asymmetricKeyDetails?.modulusLength, 4096);
    assert.equal(thumbprint(opened.certificate), await ws.sha1Fingerprint(certs.big!));
  });

  test('MAC variants: SHA-1 with 5000 iterations, SHA-512; 3DES-encrypted certificates', async () => {
    const expected = await ws.sha1Fingerprint(certs.self!);
    for (const name of ['sha1Mac', 'sha512Mac', 'descert']) {
      assert.equal(thumbprint(openPkcs12(pfx[name]!, PASSWORD).certificate), expected, name);
      assertPfxError(() => openPkcs12(pfx[name]!, 'wrong'), 'wrong-password');
    }
  });

  test('plain (unencrypted) key and certificate bags', () => {
    const opened = openPkcs12(pfx.plain!, PASSWORD);
    assert.ok(opened.certificate.checkPrivateKey(opened.privateKey));
  });

  test('empty and non-ASCII passwords, in both formats', () => {
    for (const name of ['emptyDefault', 'emptyLegacy']) {
      assert.ok(openPkcs12(pfx[name]!, '').certificate, name);
      assertPfxError(() => openPkcs12(pfx[name]!, 'x'), 'wrong-password');
    }
    for (const name of ['unicodeDefault', 'unicodeLegacy']) {
      assert.ok(openPkcs12(pfx[name]!, UNICODE_PASSWORD).certificate, name);
      assertPfxError(() => openPkcs12(pfx[name]!, 'passwörd'), 'wrong-password');
    }
  });

  test('a wrong password is reported as such (MAC mismatch), in every format', () => {
    for (const name of ['default', 'legacy', 'chainDefault', 'chainLegacy', 'plain']) {
      assertPfxError(() => openPkcs12(pfx[name]!, 'not the password'), 'wrong-password', /MAC does not verify/);
      assertPfxError(() => openPkcs12(pfx[name]!, ''), 'wrong-password');
    }
  });

  test('without a MAC a wrong password is still wrong-password, not "bad decrypt"', () => {
    assert.ok(openPkcs12(pfx.nomac!, PASSWORD).certificate);
    assert.ok(openPkcs12(pfx.legacyNomac!, PASSWORD).certificate);
    assertPfxError(() => openPkcs12(pfx.nomac!, 'nope'), 'wrong-password', /no MAC/);
    assertPfxError(() => openPkcs12(pfx.legacyNomac!, 'nope'), 'wrong-password', /no MAC/);
  });

  test('a file without a key is no-private-key; without a certificate, no-certificate', () => {
    assertPfxError(() => openPkcs12(pfx.nokeys!, PASSWORD), 'no-private-key', /no private key/);
    assertPfxError(() => openPkcs12(pfx.nocerts!, PASSWORD), 'no-certificate', /no certificate/);
  });

  test('the structural check accepts every OpenSSL-made file', () => {
    for (const [name, der] of Object.entries(pfx)) {
      assert.equal(isPkcs12Structure(der), true, name);
      assert.doesNotThrow(() => checkPkcs12Structure(der), name);
    }
  });

  test('the structural check refuses JSON, PEM, base64, empty and random input with a reason', async () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('{"thumbprint":"abc"}'), /JSON/],
      [await readFile(certs.self!), /PEM/],
      [Buffer.from(pfx.default!.toString('base64')), /base64/],
      [Buffer.alloc(0), /empty/],
      [Buffer.from('hello'), /starts with 0x68/],
      [await ws.toDer('x509', certs.self!), /version|INTEGER|ContentInfo/],
      [Buffer.concat([pfx.default!, Buffer.from([0])]), /unexpected data after the PFX/],
    ];
    for (const [input, reason] of cases) {
      assert.equal(isPkcs12Structure(input), false);
      assertPfxError(() => checkPkcs12Structure(input), 'not-pkcs12', reason);
      assertPfxError(() => openPkcs12(input, PASSWORD), 'not-pkcs12');
    }
  });

  test('every truncation is not-pkcs12, never a crash', () => {
    for (const name of ['default', 'legacy']) {
      const der = pfx[name]!;
      for (let cut = 0; cut < der.length; cut += cut < 128 ? 1 : 7) {
        const truncated = der.subarray(0, cut);
        assert.equal(isPkcs12Structure(truncated), false, `${name} cut at ${cut}`);
        assertPfxError(() => openPkcs12(truncated, PASSWORD), 'not-pkcs12');
      }
    }
  });

  test('random bytes are not-pkcs12, quickly', () => {
    const started = Date.now();
    for (let i = 0; i < 400; i++) {
      const input = randomBytes(Math.floor(Math.random() * 3000));
      if (i % 2 === 0 && input.length > 4) input.set([0x30, 0x82, input.length >> 8, input.length & 0xff].map((b) => b & 0xff));
      assert.equal(isPkcs12Structure(input), false);
      assertPfxError(() => openPkcs12(input, PASSWORD), 'not-pkcs12');
    }
    assert.ok(Date.now() - started < 5000);
  });

  test('a corrupted byte anywhere gives a PfxError, never a crash or a wrong answer', () => {
    const der = pfx.default!;
    const expected = thumbprint(openPkcs12(der, PASSWORD).certificate);
    for (let position = 0; position < der.length; position += 13) {
      const damaged = Buffer.from(der);
      damaged[position]! ^= 0x5a;
      try {
        // A flip in a few header bytes can leave an equivalent file (e.g. a length's redundant bit); any
        // successful open must still yield the same certificate.
        assert.equal(thumbprint(openPkcs12(damaged, PASSWORD).certificate), expected, `byte ${position}`);
      } catch (e) {
        assert.ok(e instanceof PfxError, `byte ${position}: ${(e as Error).stack}`);
      }
    }
  });

  test('cost: opening a default-format file is essentially its key derivations', (t) => {
    const der = pfx.default!;
    // The bare work this file's parameters demand: MAC key (PKCS#12 KDF, SHA-256, 2048 rounds),
    // two PBKDF2-HMAC-SHA256 × 2048 and two AES-256-CBC decryptions.
    const bare = () => {
      const macKey = pkcs12Kdf('sha256', bmpPassword(PASSWORD), randomBytes(8), KDF_MAC, 2048, 32);
      createHmac('sha256', macKey).update(der).digest();
      for (let i = 0; i < 2; i++) {
        const key = pbkdf2Sync(PASSWORD, randomBytes(8), 2048, 32, 'sha256');
        const decipher = createDecipheriv('aes-256-cbc', key, randomBytes(16));
        decipher.setAutoPadding(false);
        decipher.update(der.subarray(0, 1024));
      }
    };
    // Interleaved rounds and medians: other processes share the two cores while the suite runs.
    const samples = { bare: [] as number[], open: [] as number[] };
    const run = (fn: () => void) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 5; i++) fn();
      return Number(process.hrtime.bigint() - start) / 5 / 1e6;
    };
    run(bare);
    run(() => openPkcs12(der, PASSWORD));
    for (let round = 0; round < 7; round++) {
      samples.bare.push(run(bare));
      samples.open.push(run(() => openPkcs12(der, PASSWORD)));
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const bareMs = median(samples.bare);
    const openMs = median(samples.open);
    t.diagnostic(`openPkcs12 ${openMs.toFixed(2)} ms vs bare KDF+decrypt+MAC ${bareMs.toFixed(2)} ms`);
    // Loose: the suite runs two files at a time on two cores, so timings are noisy.
    assert.ok(openMs < bareMs * 2 + 5, `openPkcs12 ${openMs} ms vs bare ${bareMs} ms`);
  });
});

describe('PKCS#12 variants OpenSSL 3.0 cannot write', () => {
  let ws: OpensslWorkspace;
  let leaf: X509Certificate;
  let root: X509Certificate;
  let int: X509Certificate;
  let leafKey: Buffer;
  let otherKey: Buffer;

  before(async () => {
    ws = await OpensslWorkspace.create();
    const [kLeaf, kRoot, kInt, kOther] = await Promise.all(['leaf', 'root', 'int', 'other'].map((n) => ws.rsaKey(n, 2048)));
    const rootFile = await ws.certificate('root', { key: kRoot!, subject: '/CN=Builder Root', ca: true });
    const intFile = await ws.certificate('int', { key: kInt!, subject: '/CN=Builder Intermediate', ca: true, issuer: { cert: rootFile, key: kRoot! } });
    const leafFile = await ws.certificate('leaf', { key: kLeaf!, subject: '/CN=Builder Leaf', issuer: { cert: intFile, key: kInt! } });
    [root, int, leaf] = await Promise.all([rootFile, intFile, leafFile].map(async (f) => new X509Certificate(await readFile(f))));
    const pkcs8 = async (file: string) => createPrivateKey(await readFile(file)).export({ type: 'pkcs8', format: 'der' });
    [leafKey, otherKey] = await Promise.all([pkcs8(kLeaf!), pkcs8(kOther!)]);
  });

  after(() => ws.cleanup());

  test('picks the leaf by its key even when it is the last bag (and OpenSSL agrees the file is valid)', async () => {
    const id = randomBytes(20);
    const der = buildPfx({
      bags: [certBag(root.raw), certBag(int.raw), shroudedKeyBag(leafKey, PASSWORD, 2048, id), certBag(leaf.raw, id)],
      password: PASSWORD,
    });
    await ws.pkcs12Info(await ws.write('reordered.pfx', der), PASSWORD);
    const opened = openPkcs12(der, PASSWORD);
    assert.equal(thumbprint(opened.certificate), thumbprint(leaf));
    assert.deepEqual(opened.chain.map(thumbprint), [thumbprint(int), thumbprint(root)]);
  });

  test('reads BER indefinite lengths and chunked OCTET STRINGs (as Windows and Java write)', async () => {
    const der = buildPfx({ bags: [keyBag(leafKey), certBag(root.raw), certBag(leaf.raw)], password: PASSWORD, ber: true });
    await ws.pkcs12Info(await ws.write('ber.pfx', der), PASSWORD);
    assert.equal(isPkcs12Structure(der), true);
    assert.equal(thumbprint(openPkcs12(der, PASSWORD).certificate), thumbprint(leaf));
    assertPfxError(() => openPkcs12(der, 'wrong'), 'wrong-password');
  });

  test('verifies a PBMAC1 (RFC 9579) MAC', () => {
    const der = buildPfx({ bags: [keyBag(leafKey), certBag(leaf.raw)], password: UNICODE_PASSWORD, mac: 'pbmac1' });
    assert.equal(thumbprint(openPkcs12(der, UNICODE_PASSWORD).certificate), thumbprint(leaf));
    assertPfxError(() => openPkcs12(der, PASSWORD), 'wrong-password', /MAC/);
  });

  test('an unsupported MAC algorithm is unsupported-algorithm, not wrong-password', () => {
    const der = buildPfx({ bags: [keyBag(leafKey), certBag(leaf.raw)], password: PASSWORD, mac: 'md5' });
    assertPfxError(() => openPkcs12(der, PASSWORD), 'unsupported-algorithm', /MD5/);
  });

  test('public-key integrity mode passes the structural check but is not opened', () => {
    const der = buildSignedDataPfx();
    assert.equal(isPkcs12Structure(der), true);
    assertPfxError(() => openPkcs12(der, PASSWORD), 'unsupported-algorithm', /signedData/);
  });

  test('a hostile iteration count is refused at once instead of hanging', () => {
    const der = buildPfx({ bags: [keyBag(leafKey), certBag(leaf.raw)], password: PASSWORD, mac: 'none' });
    const hostile = buildPfx({ bags: [shroudedKeyBag(leafKey, PASSWORD, 2_000_000), certBag(leaf.raw)], password: PASSWORD, mac: 'none' });
    assert.ok(openPkcs12(der, PASSWORD).certificate);
    const started = Date.now();
    assertPfxError(() => openPkcs12(hostile, PASSWORD), 'unsupported-algorithm', /2000000 iterations/);
    assert.ok(Date.now() - started < 1000);
    const withMac = buildPfx({ bags: [keyBag(leafKey), certBag(leaf.raw)], password: PASSWORD, macIterations: 2048 });
    assertPfxError(() => openPkcs12(withMac, PASSWORD, { maxIterations: 1000 }), 'unsupported-algorithm', /limit of 1000/);
  });

  test('a key without its certificate is no-certificate', () => {
    const der = buildPfx({ bags: [keyBag(otherKey), certBag(leaf.raw), certBag(root.raw)], password: PASSWORD });
    assertPfxError(() => openPkcs12(der, PASSWORD), 'no-certificate', /matches its private key/);
  });
});
