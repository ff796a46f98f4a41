/**
 * A record POSTed by hand, the way a tool other than pfxstore might: the PFX and its certificate's fields as
 * pfxstore's import makes them, but the password encrypted from bytes the test chooses (its UTF-8 or UTF-16LE
 * form, say), so `verify` can be shown a record the connector cannot open.
 */
import { constants, publicEncrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CertificateApi } from '../../src/client/certificates.js';
import { GraphClient } from '../../src/client/graph-client.js';
import { prepareRecord } from '../../src/cli/import-prepare.js';
import { readRsaPublicKey } from '../../src/pfx/index.js';
import type { CliServer, PfxFactory } from './harness.js';

export interface HandBuilt {
  readonly file: string;
  readonly upn: string;
  /** The PFX's password, which opens it (any characters OpenSSL took). */
  readonly password: string;
  /** What is encrypted as the password (RSA-OAEP-SHA-512 under the factory's connector key). */
  readonly passwordBytes: Buffer;
  readonly keyName?: string;
}

/** POSTs the record with a default-roles token; resolves to its id. */
export async function postHandBuilt(srv: CliServer, f: PfxFactory, record: HandBuilt): Promise<string> {
  const client = new GraphClient({ baseUrl: srv.baseUrl, token: srv.env.PFXSTORE_TOKEN!, extraCaPem: readFileSync(srv.server.caPath!, 'utf8') });
  try {
    const publicKey = readRsaPublicKey(readFileSync(f.connectorPub));
    const { body } = await prepareRecord({ file: record.file, upn: record.upn, purpose: 'smimeEncryption', password: record.password }, {
      publicKey, padding: 'oaepSha512', providerName: 'Microsoft Software Key Storage Provider', keyName: record.keyName ?? 'PFXEncryptionKey', allowExpired: false,
    });
    const encryptedPfxPassword = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha512' }, record.passwordBytes).toString('base64');
    return (await new CertificateApi(client).create({ ...body, encryptedPfxPassword })).id;
  } finally {
    client.close();
  }
}
