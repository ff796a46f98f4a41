import { OpensslWorkspace } from './openssl.js';

/** A PKCS#12 file made by OpenSSL 3 (default AES/PBKDF2 format), for tests that only need a real blob. */
export async function makeTestPfx(password = 'test-password'): Promise<Buffer> {
  const ws = await OpensslWorkspace.create('pfxstore-pfx-');
  try {
    const key = await ws.rsaKey('alice', 2048);
    const cert = await ws.certificate('alice', { key, subject: '/CN=alice@contoso.com', days: 365 });
    await ws.pkcs12('alice', { cert, key, password });
    return await ws.read('alice.pfx');
  } finally {
    await ws.cleanup();
  }
}
