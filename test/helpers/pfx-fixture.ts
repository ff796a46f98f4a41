import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PKCS#12 file made by OpenSSL 3 (default AES/PBKDF2 format), for tests that only need a real blob. */
export async function makeTestPfx(password = 'test-password'): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'pfxstore-pfx-'));
  try {
    const env = { ...process.env, PFX_PASS: password };
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '365', '-subj', '/CN=alice@contoso.com']);
    run(['pkcs12', '-export', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', 'cert.pfx', '-passout', 'env:PFX_PASS']);
    return readFileSync(join(dir, 'cert.pfx'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
