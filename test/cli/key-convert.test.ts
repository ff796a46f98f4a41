import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { OpensslWorkspace, openssl } from '../helpers/openssl.js';
import { type Numbers, cngBlob, parseOpensslText } from '../pfx/cng-blob-builder.js';
import { runCli } from './harness.js';

const PASS = 'PFXSTORE_TEST_KEY_PASS';
const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

describe('pfxstore key convert', () => {
  let ws: OpensslWorkspace;
  let numbers: Numbers;
  let modulus: string;
  /** Inputs, by name: files OpenSSL wrote (and blobs built by hand from its numbers). */
  const inputs: Record<string, string> = {};
  /** What OpenSSL writes for each output form, to compare byte for byte. */
  const expected: Record<string, Buffer> = {};
  let n = 0;
  const out = (ext: string) => ws.path(`out-${++n}.${ext}`);

  before(async () => {
    ws = await OpensslWorkspace.create('pfxstore-key-convert-');
    const key = await ws.rsaKey('connector', 2048);
    const cert = await ws.certificate('connector', { key, subject: '/CN=connector' });
    ({ numbers } = parseOpensslText((await openssl(['rsa', '-in', key, '-text', '-noout'])).toString()));
    modulus = (await openssl(['rsa', '-in', key, '-noout', '-modulus'])).toString();
    Object.assign(expected, {
      pkcs8: await readFile(key),
      pkcs1: await openssl(['rsa', '-in', key, '-traditional']),
      spki: await openssl(['pkey', '-in', key, '-pubout']),
      rsaPublic: await openssl(['rsa', '-in', key, '-RSAPublicKey_out']),
      rsa3: cngBlob(numbers),
      rsa1: cngBlob(numbers, { magic: 'RSA1' }),
    });
    const files: Record<string, Buffer> = {
      'pkcs1.pem': expected.pkcs1!,
      'pkcs8.der': await openssl(['pkey', '-in', key, '-outform', 'DER']),
      'pkcs1.der': await openssl(['rsa', '-in', key, '-traditional', '-outform', 'DER']),
      'rsa3.cngblob': expected.rsa3!,
      'rsa2.cngblob': cngBlob(numbers, { magic: 'RSA2' }),
      'spki.pem': expected.spki!,
      'rsapublic.pem': expected.rsaPublic!,
      'spki.der': await openssl(['pkey', '-in', key, '-pubout', '-outform', 'DER']),
      'cert.der': await ws.toDer('x509', cert),
      'rsa1.cngblob': expected.rsa1!,
      'encrypted.pem': await openssl(['pkcs8', '-topk8', '-in', key, '-passout', `env:${PASS}`], { env: { [PASS]: 'x' } }),
    };
    inputs['pkcs8.pem'] = key;
    inputs['cert.pem'] = cert;
    for (const [name, bytes] of Object.entries(files)) inputs[name] = await ws.write(`in-${name}`, bytes);
    inputs['ec.pem'] = await ws.ecKey('ec');
  });
  after(() => ws.cleanup());

  const privateOut = { pem: ['pkcs8', 'PKCS#8 PEM (BEGIN PRIVATE KEY)'], pkcs1: ['pkcs1', 'PKCS#1 PEM (BEGIN RSA PRIVATE KEY)'], cng: ['rsa3', 'RSAFULLPRIVATEBLOB (CNG)'] };
  const publicOut = { pem: ['spki', 'SPKI PEM (BEGIN PUBLIC KEY)'], pkcs1: ['rsaPublic', 'PKCS#1 PEM (BEGIN RSA PUBLIC KEY)'], cng: ['rsa1', 'RSAPUBLICBLOB (CNG)'] };

  it('every private input to every private output: the bytes OpenSSL (or the documented blob layout) gives, mode 0600', async () => {
    for (const input of ['pkcs8.pem', 'pkcs1.pem', 'pkcs8.der', 'pkcs1.der', 'rsa3.cngblob', 'rsa2.cngblob']) {
      for (const [to, [form, description]] of Object.entries(privateOut)) {
        const file = out(to);
        const r = await runCli(['key', 'convert', inputs[input]!, '--to', to, '--out', file]);
        assert.equal(r.code, 0, `${input} → ${to}: ${r.stderr}`);
        assert.equal(r.stdout, `wrote the private key as ${description}, mode 0600: ${file}\n`);
        assert.deepEqual(await readFile(file), expected[form!], `${input} → ${to}`);
        assert.equal(await modeOf(file), 0o600);
      }
    }
  });

  it('OpenSSL reads the PEM made from a CNG blob and finds the same modulus', async () => {
    for (const to of ['pem', 'pkcs1']) {
      const file = out(to);
      assert.equal((await runCli(['key', 'convert', inputs['rsa3.cngblob']!, '--to', to, '--out', file])).code, 0);
      assert.equal((await openssl(['rsa', '-in', file, '-noout', '-modulus'])).toString(), modulus);
    }
    const spki = out('pem');
    assert.equal((await runCli(['key', 'convert', inputs['rsa1.cngblob']!, '--to', 'pem', '--out', spki])).code, 0);
    assert.deepEqual(await openssl(['pkey', '-pubin', '-in', spki, '-pubout']), expected.spki);
  });

  it('--public writes the public half of a private key in each form', async () => {
    for (const input of ['pkcs8.pem', 'rsa3.cngblob']) {
      for (const [to, [form, description]] of Object.entries(publicOut)) {
        const file = out(to);
        const r = await runCli(['key', 'convert', inputs[input]!, '--to', to, '--out', file, '--public']);
        assert.equal(r.code, 0, r.stderr);
        const mode = await modeOf(file);
        assert.equal(r.stdout, `wrote the public key as ${description}, mode ${mode.toString(8).padStart(4, '0')}: ${file}\n`);
        assert.equal(mode & 0o022, 0, 'nobody else may change a public key file');
        assert.deepEqual(await readFile(file), expected[form!], `${input} → ${to} --public`);
      }
    }
  });

  it('a public input (SPKI, PKCS#1, DER, a certificate, an RSAPUBLICBLOB) gives its public key in the --to form, saying so', async () => {
    const cases: [string, keyof typeof publicOut][] = [
      ['spki.pem', 'cng'], ['rsapublic.pem', 'pem'], ['spki.der', 'pkcs1'], ['cert.pem', 'cng'], ['cert.der', 'pem'], ['rsa1.cngblob', 'pkcs1'], ['rsa1.cngblob', 'cng'],
    ];
    for (const [input, to] of cases) {
      const file = out(to);
      const r = await runCli(['key', 'convert', inputs[input]!, '--to', to, '--out', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^wrote the public key as ${publicOut[to][1].replace(/[()#]/g, '\\$&')}, mode \\d{4}: .* \\(${inputs[input]} holds no private key\\)\\n$`));
      assert.deepEqual(await readFile(file), expected[publicOut[to][0]], `${input} → ${to}`);
    }
  });

  it('never overwrites a file (exit 1), private or public', async () => {
    for (const args of [['--to', 'cng'], ['--to', 'pem', '--public']]) {
      const file = out('taken');
      await writeFile(file, 'keep me');
      const r = await runCli(['key', 'convert', inputs['pkcs8.pem']!, ...args, '--out', file]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `pfxstore key convert: ${file} already exists; not overwriting it (choose another --out).\n`);
      assert.equal(await readFile(file, 'utf8'), 'keep me');
    }
  });

  it('an input it cannot convert: named, with the reason (exit 1)', async () => {
    const cases: [string, RegExp][] = [
      [ws.path('nope.pem'), /: no such file$/],
      [ws.dir, /: is a directory, not a key file$/],
      [inputs['encrypted.pem']!, /: this private key is encrypted \(ENCRYPTED PRIVATE KEY\); decrypt it first with 'openssl pkey -in KEY -out PLAIN\.key\.pem'/],
      [inputs['ec.pem']!, /: the key is EC; the Intune PFX connector key must be RSA$/],
      [await ws.write('garbage.bin', 'not a key'), /: the key file is in an unknown format; expected/],
    ];
    for (const [input, message] of cases) {
      const file = out('x');
      const r = await runCli(['key', 'convert', input, '--to', 'pem', '--out', file]);
      assert.equal(r.code, 1, input);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.startsWith(`pfxstore key: ${input}: `), r.stderr);
      assert.match(r.stderr.trimEnd(), message);
      assert.ok(await stat(file).then(() => false, () => true), 'nothing written');
    }
  });

  it('usage errors: no subcommand, an unknown one, no IN, two, no or a bad --to, no --out (exit 2, with the usage)', async () => {
    const key = inputs['pkcs8.pem']!;
    const cases: [string[], RegExp][] = [
      [['key'], /give a subcommand: convert\./],
      [['key', 'export'], /unknown subcommand 'export'; use convert\./],
      [['key', 'convert', '--to', 'pem', '--out', 'x'], /give the key file to convert \(IN\)\./],
      [['key', 'convert', key, key, '--to', 'pem', '--out', 'x'], /key convert takes one key file\./],
      [['key', 'convert', key, '--out', 'x'], /--to pem\|pkcs1\|cng is required\./],
      [['key', 'convert', key, '--to', 'der', '--out', 'x'], /--to must be one of pem, pkcs1, cng, not 'der'\./],
      [['key', 'convert', key, '--to', 'pem'], /--out F is required\./],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { cwd: ws.dir });
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^pfxstore key: ${message.source}\\n\\nUsage: pfxstore key convert IN --to pem\\|pkcs1\\|cng --out F \\[--public\\]\\n`));
    }
  });
});
