import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type CertificateUsage, certificateUsage, describeExtendedKeyUsage } from '../../src/pfx/certificate-usage.js';
import { OpensslWorkspace } from '../helpers/openssl.js';

/** Certificates made by `openssl req -x509 -addext …`, read back by the PFX layer's DER reader. */
describe('certificateUsage: extended key usage, key usage and e-mail addresses of OpenSSL-made certificates', () => {
  let ws: OpensslWorkspace;
  let key: string;
  const usage = async (name: string, subject: string, extensions: string[]): Promise<CertificateUsage> => {
    await ws.certificate(name, { key, subject, extensions });
    return certificateUsage(new X509Certificate(await ws.read(`${name}.crt.pem`)));
  };

  before(async () => {
    ws = await OpensslWorkspace.create();
    key = await ws.rsaKey('user', 2048);
  });
  after(() => ws?.cleanup());

  test('an S/MIME certificate: EKU OIDs, key usage bits by name, SAN addresses then the subject\'s emailAddress', async () => {
    const u = await usage('smime', '/CN=Alice/emailAddress=Alice@Contoso.com', [
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=emailProtection,clientAuth',
      'subjectAltName=DNS:alice.contoso.com,email:alice@contoso.com,email:a.smith@contoso.com,URI:https://contoso.com/alice',
    ]);
    assert.deepEqual(u, {
      extendedKeyUsages: ['1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.2'],
      keyUsages: ['digitalSignature', 'keyEncipherment'],
      emailAddresses: ['alice@contoso.com', 'a.smith@contoso.com', 'Alice@Contoso.com'],
      unreadable: [],
    });
  });

  test('no keyUsage, EKU or SAN extension: undefined usages (no restriction), no addresses', async () => {
    const u = await usage('bare', '/CN=bare', ['basicConstraints=CA:FALSE']);
    assert.deepEqual(u, { extendedKeyUsages: undefined, keyUsages: undefined, emailAddresses: [], unreadable: [] });
  });

  test('key usage bits past the first octet (decipherOnly is bit 8) and anyExtendedKeyUsage', async () => {
    const u = await usage('bits', '/CN=bits', ['keyUsage=keyAgreement,decipherOnly', 'extendedKeyUsage=anyExtendedKeyUsage']);
    assert.deepEqual(u.keyUsages, ['keyAgreement', 'decipherOnly']);
    assert.deepEqual(u.extendedKeyUsages, ['2.5.29.37.0']);
  });

  test('a malformed extension is reported as unreadable, counts as empty, and leaves the others readable', async () => {
    // keyUsage holding a truncated BOOLEAN, EKU holding an INTEGER: OpenSSL writes the bytes as given.
    const u = await usage('malformed', '/CN=malformed', ['keyUsage=DER:0101', 'extendedKeyUsage=DER:020101', 'subjectAltName=email:m@contoso.com']);
    assert.deepEqual(u.keyUsages, []);
    assert.deepEqual(u.extendedKeyUsages, []);
    assert.deepEqual(u.emailAddresses, ['m@contoso.com']);
    assert.deepEqual(u.unreadable.map((x) => x.part), ['extendedKeyUsage', 'keyUsage']);
    assert.match(u.unreadable[0]!.reason, /not a SEQUENCE but INTEGER/);
    assert.match(u.unreadable[1]!.reason, /truncated/);
  });

  test('EKU names for messages', () => {
    assert.equal(describeExtendedKeyUsage('1.3.6.1.5.5.7.3.2'), 'clientAuth (1.3.6.1.5.5.7.3.2)');
    assert.equal(describeExtendedKeyUsage('1.2.3.4'), '1.2.3.4');
  });
});
