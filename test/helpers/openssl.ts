/**
 * Test fixtures made by the real OpenSSL 3 CLI at test time: keys, self-signed certificates and
 * CA chains, PKCS#12 files in the default and `-legacy` formats, and the reference answers
 * (fingerprints, dates, pkeyutl decryptions) the PFX code is checked against.
 *
 * Passwords reach openssl through the environment (`-passout env:VAR`), never argv, so they do
 * not show up in `ps`. Every workspace is a fresh directory under os.tmpdir().
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const PASS_VAR = 'PFXSTORE_TEST_PASSWORD';

export interface RunOptions {
  readonly env?: Record<string, string>;
  readonly input?: Buffer | string;
}

/** Runs `openssl args…`; resolves with stdout, rejects with stderr on a non-zero exit. */
export function openssl(args: readonly string[], options: RunOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill(), 60_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`openssl ${args[0]} exited ${code}: ${Buffer.concat(err).toString().trim()}`));
    });
    // An openssl run that needs no input may exit before its stdin is written: that EPIPE is not a failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

export interface CertOptions {
  /** Path of the certificate's private key. */
  readonly key: string;
  readonly subject: string;
  readonly days?: number;
  /** Marks the certificate as a CA (basicConstraints CA:TRUE, keyCertSign). */
  readonly ca?: boolean;
  /** A leaf's extensions in `-addext` form, instead of basicConstraints=CA:FALSE and keyUsage=digitalSignature,keyEncipherment. */
  readonly extensions?: readonly string[];
  /** Issuer certificate and key; self-signed when absent. */
  readonly issuer?: { readonly cert: string; readonly key: string };
}

export interface Pkcs12Options {
  /** Leaf certificate file (PEM; may hold several certificates). */
  readonly cert: string;
  readonly key?: string;
  /** Extra certificates (`-certfile`), e.g. the CA chain. */
  readonly certfile?: string;
  readonly password: string;
  readonly legacy?: boolean;
  readonly nokeys?: boolean;
  /** Any further `openssl pkcs12 -export` flags (`-nomac`, `-macalg sha1`, `-iter 5000`, …). */
  readonly extra?: readonly string[];
}

/** A temporary directory of OpenSSL-made files; call `cleanup()` in `after()`. */
export class OpensslWorkspace {
  private constructor(readonly dir: string) {}

  static async create(prefix = 'pfxstore-test-'): Promise<OpensslWorkspace> {
    return new OpensslWorkspace(await mkdtemp(path.join(os.tmpdir(), prefix)));
  }

  path(name: string): string {
    return path.join(this.dir, name);
  }

  read(name: string): Promise<Buffer> {
    return readFile(this.path(name));
  }

  async write(name: string, data: Buffer | string): Promise<string> {
    await writeFile(this.path(name), data);
    return this.path(name);
  }

  cleanup(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }

  /** An unencrypted PKCS#8 RSA key; returns its path. */
  async rsaKey(name: string, bits: 2048 | 3072 | 4096): Promise<string> {
    const file = this.path(`${name}.key.pem`);
    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', file]);
    return file;
  }

  async ecKey(name: string): Promise<string> {
    const file = this.path(`${name}.key.pem`);
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
    return file;
  }

  /** A certificate (PEM), self-signed or issued by `options.issuer`; returns its path. */
  async certificate(name: string, options: CertOptions): Promise<string> {
    const file = this.path(`${name}.crt.pem`);
    const days = String(options.days ?? 30);
    const extensions = options.ca
      ? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']
      : options.extensions ?? ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment'];
    if (!options.issuer) {
      await openssl(['req', '-x509', '-new', '-key', options.key, '-subj', options.subject, '-days', days, '-out', file, ...extensions.flatMap((e) => ['-addext', e])]);
      return file;
    }
    const csr = this.path(`${name}.csr.pem`);
    const extfile = await this.write(`${name}.ext`, `${extensions.join('\n')}\n`);
    await openssl(['req', '-new', '-key', options.key, '-subj', options.subject, '-out', csr]);
    await openssl([
      'x509', '-req', '-in', csr, '-CA', options.issuer.cert, '-CAkey', options.issuer.key,
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', days, '-extfile', extfile, '-out', file,
    ]);
    return file;
  }

  /** `openssl pkcs12 -export`; returns the PFX path. */
  async pkcs12(name: string, options: Pkcs12Options): Promise<string> {
    const file = this.path(`${name}.pfx`);
    const args = ['pkcs12', '-export', '-in', options.cert, '-out', file, '-passout', `env:${PASS_VAR}`];
    if (options.key) args.push('-inkey', options.key);
    if (options.certfile) args.push('-certfile', options.certfile);
    if (options.legacy) args.push('-legacy');
    if (options.nokeys) args.push('-nokeys');
    args.push(...(options.extra ?? []));
    await openssl(args, { env: { [PASS_VAR]: options.password } });
    return file;
  }

  /** What `openssl pkcs12 -info` says of a PFX (stderr and stdout); rejects when OpenSSL cannot open it. */
  async pkcs12Info(file: string, password: string): Promise<string> {
    return (await openssl(['pkcs12', '-in', file, '-info', '-nokeys', '-passin', `env:${PASS_VAR}`], { env: { [PASS_VAR]: password } })).toString();
  }

  /** SHA-1 fingerprint as pfxstore writes thumbprints: 40 lowercase hex digits, no colons. */
  async sha1Fingerprint(certFile: string): Promise<string> {
    const text = (await openssl(['x509', '-in', certFile, '-noout', '-fingerprint', '-sha1'])).toString();
    const match = /Fingerprint=([0-9A-F:]+)/i.exec(text);
    if (!match) throw new Error(`unexpected openssl output: ${text}`);
    return match[1]!.replace(/:/g, '').toLowerCase();
  }

  async validity(certFile: string): Promise<{ notBefore: Date; notAfter: Date }> {
    const text = (await openssl(['x509', '-in', certFile, '-noout', '-startdate', '-enddate', '-dateopt', 'iso_8601'])).toString();
    const field = (name: string) => {
      const match = new RegExp(`${name}=(\\S+) (\\S+)`).exec(text);
      if (!match) throw new Error(`unexpected openssl output: ${text}`);
      return new Date(`${match[1]}T${match[2]}`);
    };
    return { notBefore: field('notBefore'), notAfter: field('notAfter') };
  }

  /** Converts a PEM file with `openssl <command> … -outform DER`; returns the DER bytes. */
  async toDer(command: 'x509' | 'pkey' | 'rsa', file: string, extra: readonly string[] = []): Promise<Buffer> {
    return openssl([command, '-in', file, '-outform', 'DER', ...extra]);
  }

  /** RSA-OAEP decryption by OpenSSL with `digest` as both OAEP and MGF1 hash. */
  async oaepDecrypt(keyFile: string, ciphertext: Buffer, digest: string): Promise<Buffer> {
    const input = await this.write(`ct-${randomBytes(4).toString('hex')}.bin`, ciphertext);
    return openssl(['pkeyutl', '-decrypt', '-inkey', keyFile, '-in', input, ...oaepOptions(digest)]);
  }

  /** RSA-OAEP encryption by OpenSSL under the key's public half. */
  async oaepEncrypt(keyFile: string, plaintext: Buffer, digest: string): Promise<Buffer> {
    const input = await this.write(`pt-${randomBytes(4).toString('hex')}.bin`, plaintext);
    return openssl(['pkeyutl', '-encrypt', '-inkey', keyFile, '-in', input, ...oaepOptions(digest)]);
  }
}

function oaepOptions(digest: string): string[] {
  return ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${digest}`, '-pkeyopt', `rsa_mgf1_md:${digest}`];
}

/** `openssl enc -<cipher>` with an explicit key and IV (RC2 needs the legacy provider). */
export function opensslEncrypt(cipher: string, key: Buffer, iv: Buffer, plaintext: Buffer): Promise<Buffer> {
  return openssl(
    ['enc', `-${cipher}`, '-provider', 'legacy', '-provider', 'default', '-K', key.toString('hex'), '-iv', iv.toString('hex'), '-nosalt'],
    { input: plaintext },
  );
}
