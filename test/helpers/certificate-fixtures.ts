import { randomBytes } from 'node:crypto';
import type { TestApp } from './app.js';
import { makeTestPfx } from './pfx-fixture.js';

/** One real OpenSSL-made PFX per test process: the server checks the blob is PKCS#12, not which certificate. */
let pfx: Promise<Buffer> | undefined;
export function pfxBlob(): Promise<Buffer> {
  pfx ??= makeTestPfx();
  return pfx;
}

/** A distinct 40-hex thumbprint per call. */
export function thumbprint(): string {
  return randomBytes(20).toString('hex');
}

/** What a client such as the PowerShell module posts, with real values (CONTRACT §4.2). */
export async function certificateBody(overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return {
    '@odata.type': '#microsoft.graph.userPFXCertificate',
    thumbprint: thumbprint(),
    intendedPurpose: 'smimeEncryption',
    userPrincipalName: 'alice@contoso.com',
    startDateTime: '2026-01-01T00:00:00Z',
    expirationDateTime: '2027-01-01T00:00:00Z',
    providerName: 'Microsoft Software Key Storage Provider',
    keyName: 'PFXEncryptionKey',
    paddingScheme: 'oaepSha512',
    encryptedPfxBlob: (await pfxBlob()).toString('base64'),
    // One RSA-2048 block: what RSA-OAEP of the password yields (its content is opaque to the server).
    encryptedPfxPassword: randomBytes(256).toString('base64'),
    ...overrides,
  };
}

export const CERTS = '/beta/deviceManagement/userPfxCertificates';

/** Creates a certificate through the API and returns the response body. */
export async function createCertificate(t: TestApp, overrides: Record<string, unknown> = {}, token?: string): Promise<Record<string, unknown>> {
  const res = await t.call({ method: 'POST', url: CERTS, json: await certificateBody(overrides), token });
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Asserts a Graph error: status, code, a message matching `message`, and the innerError of CONTRACT §3. */
export function graphError(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string, message: RegExp): void {
  const problems: string[] = [];
  if (res.statusCode !== status) problems.push(`status ${res.statusCode}, expected ${status}`);
  const body = res.json();
  if (body?.error?.code !== code) problems.push(`code ${body?.error?.code}, expected ${code}`);
  if (!message.test(body?.error?.message ?? '')) problems.push(`message '${body?.error?.message}' does not match ${message}`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(body?.error?.innerError?.date ?? '')) problems.push('innerError.date missing or not UTC without Z');
  if (body?.error?.innerError?.['request-id'] !== res.headers['request-id']) problems.push('innerError.request-id differs from the header');
  if (!String(res.headers['content-type']).startsWith('application/json')) problems.push(`content-type ${res.headers['content-type']}`);
  if (problems.length > 0) throw new Error(`${problems.join('; ')} — body: ${JSON.stringify(body)}`);
}
