/**
 * The reference the CLI is measured against: the bare node:crypto work one PFX file demands, with the
 * parameters read from the file itself — what no PKCS#12 reader on node:crypto can avoid.
 *
 * Per file: the PKCS#12-KDF MAC key (RFC 7292 App. B.2, a native one-shot hash per iteration, since
 * no native API iterates a hash) and the HMAC over the AuthenticatedSafe; for each PBES2-encrypted
 * part (OpenSSL 3: the certificate bag's encryptedData and the shrouded key bag) PBKDF2 and the
 * cipher; then one RSA-OAEP encryption of the password. Finding the parameters (DER walking) is done
 * beforehand by `planFile` and is not timed, so the reference is the crypto alone. It does not parse
 * the key or certificate, match them, or take a thumbprint — the CLI does all of that on top.
 */
import { type KeyObject, constants, createDecipheriv, createHash, createHmac, hash, pbkdf2Sync, publicEncrypt } from 'node:crypto';
import { type DerNode, Tag, children, readAlgorithmIdentifier, readNode, readOctets, readOid } from '../src/pfx/der.js';
import { readPbkdf2Params, readEncryptedPrivateKeyInfo } from '../src/pfx/pbe.js';
import { parsePfx } from '../src/pfx/pfx-structure.js';
import { DIGESTS, OID_DATA, OID_ENCRYPTED_DATA, OID_PBES2, OID_SHROUDED_KEY_BAG, PBES2_CIPHERS } from '../src/pfx/oids.js';

interface MacStep {
  readonly digest: string;
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly content: Uint8Array;
  readonly expected: Uint8Array;
}

interface Pbes2Step {
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly prf: string;
  readonly cipher: string;
  readonly keyBytes: number;
  readonly iv: Uint8Array;
  readonly data: Uint8Array;
}

export interface FileWork {
  readonly mac: MacStep;
  readonly decrypts: readonly Pbes2Step[];
}

/** Reads the MAC and PBES2 parameters of an OpenSSL 3 default-format file (no password needed). */
export function planFile(der: Buffer): FileWork {
  const pfx = parsePfx(der);
  if (!pfx.mac) throw new Error('the bench expects files with a MAC');
  const digest = DIGESTS[pfx.mac.algorithm.oid];
  if (digest === undefined) throw new Error(`unexpected MAC algorithm ${pfx.mac.algorithm.oid} (not an OpenSSL 3 default file?)`);
  const mac = { digest, salt: pfx.mac.salt, iterations: pfx.mac.iterations, content: pfx.authSafe, expected: pfx.mac.digest };
  const decrypts: Pbes2Step[] = [];
  for (const info of pfx.contentInfos) {
    const reader = children(info, 'ContentInfo');
    const type = readOid(reader.expect(Tag.OID, 'contentType'), 'contentType');
    const content = children(reader.expect(Tag.CONTEXT_0, 'content'), 'content');
    if (type === OID_DATA) {
      // SafeContents in the clear; OpenSSL puts the shrouded key bag here.
      const bags = children(readNode(content.octets('data')), 'SafeContents');
      while (!bags.done) {
        const bag = children(bags.expect(Tag.SEQUENCE, 'SafeBag'), 'SafeBag');
        if (readOid(bag.expect(Tag.OID, 'bagId'), 'bagId') !== OID_SHROUDED_KEY_BAG) continue;
        const value = children(bag.expect(Tag.CONTEXT_0, 'bagValue'), 'bagValue').next('bagValue');
        const { algorithm, data } = readEncryptedPrivateKeyInfo(value, 'shrouded key bag');
        decrypts.push(pbes2Step(algorithm, data));
      }
    } else if (type === OID_ENCRYPTED_DATA) {
      // EncryptedData { version, EncryptedContentInfo { contentType, algorithm, [0] IMPLICIT data } }
      const encryptedData = children(content.expect(Tag.SEQUENCE, 'EncryptedData'), 'EncryptedData');
      encryptedData.expect(Tag.INTEGER, 'version');
      const eci = children(encryptedData.expect(Tag.SEQUENCE, 'EncryptedContentInfo'), 'EncryptedContentInfo');
      eci.expect(Tag.OID, 'contentType');
      const algorithm = eci.expect(Tag.SEQUENCE, 'contentEncryptionAlgorithm');
      decrypts.push(pbes2Step(algorithm, readOctets(eci.next('encryptedContent'), 'encryptedContent')));
    }
  }
  return { mac, decrypts };
}

function pbes2Step(algorithm: DerNode, data: Uint8Array): Pbes2Step {
  const alg = readAlgorithmIdentifier(algorithm, 'encryption algorithm');
  if (alg.oid !== OID_PBES2 || !alg.params) throw new Error(`expected PBES2, found ${alg.oid} (a -legacy file?)`);
  const params = children(alg.params, 'PBES2 parameters');
  const kdf = readPbkdf2Params(readAlgorithmIdentifier(params.expect(Tag.SEQUENCE, 'keyDerivationFunc'), 'keyDerivationFunc'), 'bench');
  const enc = readAlgorithmIdentifier(params.expect(Tag.SEQUENCE, 'encryptionScheme'), 'encryptionScheme');
  const cipher = PBES2_CIPHERS[enc.oid];
  if (!cipher || !enc.params) throw new Error(`unexpected PBES2 cipher ${enc.oid}`);
  return { salt: kdf.salt, iterations: kdf.iterations, prf: kdf.digest, cipher: cipher[0], keyBytes: cipher[1], iv: readOctets(enc.params, 'IV'), data };
}

export interface BareSettings {
  readonly password: string;
  readonly publicKey: KeyObject;
  /** The OAEP (and MGF1) hash, as the CLI's `--padding` selects it. */
  readonly oaepHash: string;
}

/** Does one file's crypto; throws if the MAC does not verify or a part does not decrypt (so the work is real). */
export function bareWork(work: FileWork, settings: BareSettings): Buffer {
  bareOpen(work, settings.password);
  return publicEncrypt({ key: settings.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: settings.oaepHash },
    Buffer.from(settings.password, 'latin1'));
}

/**
 * The PKCS#12 side alone — the MAC, then PBKDF2 and the cipher for each encrypted part — with the password as
 * text; what `import` and `verify` both do to open a file. Throws when the MAC does not verify or a part does not
 * decrypt.
 */
export function bareOpen(work: FileWork, password: string): void {
  const { mac } = work;
  const macKey = pkcs12MacKey(mac.digest, bmpPassword(password), Buffer.from(mac.salt), mac.iterations);
  if (!createHmac(mac.digest, macKey).update(mac.content).digest().equals(mac.expected)) throw new Error('bare MAC does not verify');
  const utf8 = Buffer.from(password, 'utf8');
  for (const step of work.decrypts) {
    const key = pbkdf2Sync(utf8, step.salt, step.iterations, step.keyBytes, step.prf);
    const decipher = createDecipheriv(step.cipher, key, step.iv);
    decipher.update(step.data);
    decipher.final();
  }
}

/** Input block size v (RFC 7292 B.2). */
const BLOCK_BYTES: Readonly<Record<string, number>> = { sha1: 64, sha256: 64, sha384: 128, sha512: 128 };

/**
 * RFC 7292 B.2 with ID 3, for a key as long as the digest output (B.4): one block, so no step-6C
 * carry arithmetic. A = H^iterations(D || S' || P'), each of S', P' repeated to whole v-byte blocks.
 */
function pkcs12MacKey(digest: string, bmp: Buffer, salt: Buffer, iterations: number): Buffer {
  const v = BLOCK_BYTES[digest];
  if (v === undefined) throw new Error(`PKCS#12 KDF: unexpected digest ${digest}`);
  let a = createHash(digest).update(Buffer.alloc(v, 3)).update(repeatTo(salt, v)).update(repeatTo(bmp, v)).digest();
  for (let r = 1; r < iterations; r++) a = hash(digest, a, 'buffer');
  return a;
}

function repeatTo(source: Buffer, v: number): Buffer {
  const out = Buffer.alloc(v * Math.ceil(source.length / v));
  for (let o = 0; o < out.length; o += source.length) source.copy(out, o);
  return out;
}

/** RFC 7292 B.1: UTF-16BE with a two-byte zero terminator. */
function bmpPassword(password: string): Buffer {
  const out = Buffer.alloc(password.length * 2 + 2);
  out.write(password, 'utf16le');
  out.subarray(0, password.length * 2).swap16();
  return out;
}
