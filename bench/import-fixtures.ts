/**
 * The PFX files the import benchmark reads, made by the real OpenSSL 3 CLI in its default format
 * (PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC, 2048 iterations, HMAC-SHA256 MAC via the PKCS#12 KDF).
 *
 * What varies, honestly: one 2048-bit user key, `certs` self-signed certificates over it (distinct
 * serials, so distinct thumbprints), and one `openssl pkcs12 -export` per file of certificate
 * `i mod certs` — every file is a separate export with its own random salts and IVs, so no two files
 * are byte-identical, but files of the same certificate share a thumbprint. All use one password.
 * RSA key generation is the slow part of OpenSSL fixtures; the exports are ~35 ms each.
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { runPool } from '../src/cli/pool.js';
import { openssl, OpensslWorkspace } from '../test/helpers/openssl.js';

const execFileAsync = promisify(execFile);

export interface BenchFiles {
  readonly ws: OpensslWorkspace;
  readonly password: string;
  /** The connector's public key (SPKI PEM) the CLI encrypts passwords under, and its private key. */
  readonly publicKeyPath: string;
  readonly privateKeyPath: string;
  /** File names relative to `ws.dir`, so a long command line stays short. */
  readonly files: readonly string[];
  /** Expected thumbprint of each file (from `openssl x509 -fingerprint -sha1`). */
  readonly thumbprints: readonly string[];
}

export interface FixtureOptions {
  readonly count: number;
  readonly certs: number;
  readonly password: string;
}

export async function makeBenchFiles(options: FixtureOptions): Promise<BenchFiles> {
  const ws = await OpensslWorkspace.create('pfxstore-bench-import-');
  const [userKey, privateKeyPath] = await Promise.all([ws.rsaKey('user', 2048), ws.rsaKey('connector', 2048)]);
  const publicKeyPath = ws.path('connector.pub.pem');
  await openssl(['pkey', '-in', privateKeyPath, '-pubout', '-out', publicKeyPath]);

  const parallel = availableParallelism() * 2; // each openssl run is half process start-up
  const certs: { path: string; thumbprint: string }[] = new Array(options.certs);
  await runPool(Array.from({ length: options.certs }, (_, k) => k), parallel, async (k) => {
    const path = await ws.certificate(`cert-${k}`, { key: userKey, subject: `/CN=bench user ${k}/O=pfxstore bench`, days: 365 });
    certs[k] = { path, thumbprint: await ws.sha1Fingerprint(path) };
  });

  const files: string[] = new Array(options.count);
  await runPool(Array.from({ length: options.count }, (_, i) => i), parallel, async (i) => {
    const name = `file-${String(i + 1).padStart(5, '0')}`;
    await exportPfx(ws.path(`${name}.pfx`), certs[i % options.certs]!.path, userKey, options.password);
    files[i] = `${name}.pfx`;
  });
  return {
    ws, password: options.password, publicKeyPath, privateKeyPath, files,
    thumbprints: Array.from({ length: options.count }, (_, i) => certs[i % options.certs]!.thumbprint),
  };
}

/**
 * `openssl pkcs12 -export` as `OpensslWorkspace.pkcs12` runs it (password via the environment), but with
 * stdin closed: the helper writes to the child's stdin after spawning it, and on a loaded machine a
 * thousand back-to-back exports sometimes see an export finish first, an unhandled EPIPE.
 */
async function exportPfx(out: string, cert: string, key: string, password: string): Promise<void> {
  await execFileAsync('openssl', ['pkcs12', '-export', '-in', cert, '-inkey', key, '-out', out, '-passout', 'env:PFXSTORE_BENCH_PASSOUT'], {
    env: { ...process.env, PFXSTORE_BENCH_PASSOUT: password },
  });
}
