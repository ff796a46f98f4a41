/**
 * A small PKCS#12 writer for the cases OpenSSL 3.0's CLI cannot produce: bags in an unusual order,
 * BER indefinite-length encoding (as Windows and Java write), PBMAC1 (RFC 9579), and hostile or
 * unsupported parameters. Files it makes are checked with `openssl pkcs12 -info` where OpenSSL 3.0
 * can read them, so the builder itself is verified against the reference.
 */
import { createCipheriv, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { bmpPassword, KDF_MAC, pkcs12Kdf } from '../../src/pfx/pkcs12-kdf.js';

/** DER (or, with `ber`, BER indefinite-length) encoding helpers. */
export const asn1 = {
  tlv(tag: number, ...parts: Buffer[]): Buffer {
    const body = Buffer.concat(parts);
    const n = body.length;
    const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
    return Buffer.concat([Buffer.from([tag, ...length]), body]);
  },
  indefinite(tag: number, ...parts: Buffer[]): Buffer {
    return Buffer.concat([Buffer.from([tag, 0x80]), ...parts, Buffer.from([0, 0])]);
  },
  seq: (...parts: Buffer[]) => asn1.tlv(0x30, ...parts),
  set: (...parts: Buffer[]) => asn1.tlv(0x31, ...parts),
  explicit0: (...parts: Buffer[]) => asn1.tlv(0xa0, ...parts),
  octets: (data: Buffer) => asn1.tlv(0x04, data),
  nul: () => Buffer.from([0x05, 0x00]),
  int(value: number): Buffer {
    const bytes: number[] = [];
    do {
      bytes.unshift(value & 0xff);
      value = Math.floor(value / 256);
    } while (value > 0);
    if (bytes[0]! & 0x80) bytes.unshift(0);
    return asn1.tlv(0x02, Buffer.from(bytes));
  },
  oid(dotted: string): Buffer {
    const [a, b, ...rest] = dotted.split('.').map(Number) as number[];
    const out = [a! * 40 + b!];
    for (const arc of rest) {
      const groups = [arc & 0x7f];
      for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
      out.push(...groups);
    }
    return asn1.tlv(0x06, Buffer.from(out));
  },
};

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',
  hmacSha256: '1.2.840.113549.2.9',
  aes256cbc: '2.16.840.1.101.3.4.1.42',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  md5: '1.2.840.113549.2.5',
};

function attributes(localKeyId?: Buffer): Buffer[] {
  return localKeyId ? [asn1.set(asn1.seq(asn1.oid(OID.localKeyId), asn1.set(asn1.octets(localKeyId))))] : [];
}

export function certBag(certDer: Buffer, localKeyId?: Buffer): Buffer {
  return asn1.seq(asn1.oid(OID.certBag), asn1.explicit0(asn1.seq(asn1.oid(OID.x509), asn1.explicit0(asn1.octets(certDer)))), ...attributes(localKeyId));
}

export function keyBag(pkcs8Der: Buffer, localKeyId?: Buffer): Buffer {
  return asn1.seq(asn1.oid(OID.keyBag), asn1.explicit0(pkcs8Der), ...attributes(localKeyId));
}

function pbkdf2Params(salt: Buffer, iterations: number, keyLength?: number): Buffer {
  return asn1.seq(
    asn1.oid(OID.pbkdf2),
    asn1.seq(asn1.octets(salt), asn1.int(iterations), ...(keyLength ? [asn1.int(keyLength)] : []), asn1.seq(asn1.oid(OID.hmacSha256), asn1.nul())),
  );
}

/** A pkcs8ShroudedKeyBag with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), as OpenSSL 3 writes by default. */
export function shroudedKeyBag(pkcs8Der: Buffer, password: string, iterations = 2048, localKeyId?: Buffer): Buffer {
  const salt = randomBytes(8);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(pkcs8Der), cipher.final()]);
  const algorithm = asn1.seq(asn1.oid(OID.pbes2), asn1.seq(pbkdf2Params(salt, iterations), asn1.seq(asn1.oid(OID.aes256cbc), asn1.octets(iv))));
  return asn1.seq(asn1.oid(OID.shroudedKeyBag), asn1.explicit0(asn1.seq(algorithm, asn1.octets(encrypted))), ...attributes(localKeyId));
}

export type MacKind = 'sha256' | 'sha1' | 'pbmac1' | 'md5' | 'none';

export interface BuildOptions {
  readonly bags: readonly Buffer[];
  readonly password: string;
  readonly mac?: MacKind;
  readonly macIterations?: number;
  /** BER: indefinite lengths everywhere and the AuthenticatedSafe as a chunked constructed OCTET STRING. */
  readonly ber?: boolean;
}

/** A PFX whose single AuthenticatedSafe element is an unencrypted data ContentInfo holding `bags`. */
export function buildPfx(options: BuildOptions): Buffer {
  const { ber = false } = options;
  const wrap = (tag: number, ...parts: Buffer[]) => (ber ? asn1.indefinite(tag, ...parts) : asn1.tlv(tag, ...parts));
  const octetString = (data: Buffer) => {
    if (!ber) return asn1.octets(data);
    const chunks: Buffer[] = [];
    for (let o = 0; o < data.length; o += 100) chunks.push(asn1.octets(data.subarray(o, o + 100)));
    return asn1.indefinite(0x24, ...chunks);
  };
  const safeContents = wrap(0x30, ...options.bags);
  const authSafe = wrap(0x30, wrap(0x30, asn1.oid(OID.data), wrap(0xa0, octetString(safeContents))));
  const mac = macData(options.mac ?? 'sha256', authSafe, options.password, options.macIterations ?? 2048);
  return wrap(0x30, asn1.int(3), wrap(0x30, asn1.oid(OID.data), wrap(0xa0, octetString(authSafe))), ...mac);
}

function macData(kind: MacKind, content: Buffer, password: string, iterations: number): Buffer[] {
  if (kind === 'none') return [];
  const salt = randomBytes(8);
  if (kind === 'pbmac1') {
    // RFC 9579: PBMAC1 { PBKDF2 (salt, iterations, keyLength 32, HMAC-SHA-256), HMAC-SHA-256 } over UTF-8 password.
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
    const digest = createHmac('sha256', key).update(content).digest();
    const algorithm = asn1.seq(asn1.oid(OID.pbmac1), asn1.seq(pbkdf2Params(salt, iterations, 32), asn1.seq(asn1.oid(OID.hmacSha256), asn1.nul())));
    // MacData's own salt and iterations are ignored with PBMAC1 (RFC 9579 §5); fill them as OpenSSL does.
    return [asn1.seq(asn1.seq(algorithm, asn1.octets(digest)), asn1.octets(Buffer.from('NOT USED')), asn1.int(1))];
  }
  const digestName = kind === 'md5' ? 'md5' : kind;
  const oid = OID[kind];
  const keyBytes = kind === 'sha1' ? 20 : kind === 'md5' ? 16 : 32;
  const key = kind === 'md5' ? randomBytes(16) : pkcs12Kdf(digestName, bmpPassword(password), salt, KDF_MAC, iterations, keyBytes);
  const digest = createHmac(digestName, key).update(content).digest();
  return [asn1.seq(asn1.seq(asn1.seq(asn1.oid(oid), asn1.nul()), asn1.octets(digest)), asn1.octets(salt), asn1.int(iterations))];
}

/** A PFX in public-key integrity mode (signedData authSafe): structurally PKCS#12, not openable here. */
export function buildSignedDataPfx(): Buffer {
  return asn1.seq(asn1.int(3), asn1.seq(asn1.oid(OID.signedData), asn1.explicit0(asn1.seq(asn1.int(1), asn1.set()))));
}
