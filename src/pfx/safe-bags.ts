/**
 * From the AuthenticatedSafe's ContentInfos to SafeBags (RFC 7292 §4.1–4.2). The encryptedData ones
 * (where OpenSSL puts the certificates) are decrypted by the caller in between: the CLI with node:crypto,
 * the browser console with WebCrypto — this module only reads, and is pure (no Node API).
 *
 *   SafeContents ::= SEQUENCE OF SafeBag
 *   SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF PKCS12Attribute OPTIONAL }
 */
import { type DerNode, DerError, Tag, children, readBmpString, readNode, readOctets, readOid, readSmallInt } from './der.js';
import { DecryptFailure, PfxError } from './errors.js';
import {
  OID_CERT_BAG,
  OID_DATA,
  OID_ENCRYPTED_DATA,
  OID_FRIENDLY_NAME,
  OID_KEY_BAG,
  OID_LOCAL_KEY_ID,
  OID_SAFE_CONTENTS_BAG,
  OID_SHROUDED_KEY_BAG,
  OID_X509_CERTIFICATE,
  describeOid,
} from './oids.js';

export type BagKind = 'key' | 'shrouded-key' | 'cert';

export interface SafeBag {
  readonly kind: BagKind;
  /** The bagValue (inside its EXPLICIT [0]). */
  readonly value: DerNode;
  readonly localKeyId: Uint8Array | undefined;
  readonly friendlyName: string | undefined;
}

/** safeContentsBag nesting allowed; real files never nest at all. */
const MAX_BAG_NESTING = 4;

const BAG_KINDS: Readonly<Record<string, BagKind>> = {
  [OID_KEY_BAG]: 'key',
  [OID_SHROUDED_KEY_BAG]: 'shrouded-key',
  [OID_CERT_BAG]: 'cert',
};

/** One ContentInfo of the AuthenticatedSafe: SafeContents in the clear, or encrypted with the password. */
export type SafeContentsPart =
  | { readonly encrypted: false; readonly what: string; readonly octets: Uint8Array }
  | { readonly encrypted: true; readonly what: string; readonly algorithm: DerNode; readonly data: Uint8Array; readonly decryptWhat: string };

/**
 * Reads the `index`-th ContentInfo (0-based). The caller decrypts an encrypted part (`decryptWhat` names it
 * in messages) and hands the plaintext to `readSafeBags`. Callers go part by part, so errors come in file order.
 */
export function readSafeContentsPart(node: DerNode, index: number): SafeContentsPart {
  const what = `AuthenticatedSafe ContentInfo ${index + 1}`;
  const reader = children(node, what);
  const type = readOid(reader.expect(Tag.OID, `${what} contentType`), `${what} contentType`);
  const explicit = reader.expect(Tag.CONTEXT_0, `${what} content`);
  reader.finish(what);
  const content = children(explicit, `${what} content`);
  if (type === OID_DATA) {
    const octets = content.octets(`${what} data`);
    content.finish(`${what} content`);
    return { encrypted: false, what, octets };
  }
  if (type === OID_ENCRYPTED_DATA) {
    const { algorithm, data } = readEncryptedData(content.expect(Tag.SEQUENCE, `${what} EncryptedData`), what);
    content.finish(`${what} content`);
    return { encrypted: true, what, algorithm, data, decryptWhat: `${what} (encrypted SafeContents)` };
  }
  throw new PfxError('unsupported-algorithm', `${what} is ${describeOid(type)}, which pfxstore does not open`);
}

/**
 * The key and certificate bags of a part's SafeContents (`octets`: the plaintext), in file order, appended to
 * `bags`. CRL and secret bags are skipped. Anything unreadable inside decrypted content becomes a
 * `DecryptFailure`: garbage after decryption means the key (so the password) was wrong, even when the padding
 * happened to pass.
 */
export function readSafeBags(part: SafeContentsPart, octets: Uint8Array, bags: SafeBag[]): void {
  if (!part.encrypted) {
    readSafeContents(octets, bags, 0);
    return;
  }
  try {
    readSafeContents(octets, bags, 0);
  } catch (e) {
    if (e instanceof DerError) throw new DecryptFailure(`${part.what}: decrypted contents are not SafeContents (${e.message})`);
    throw e;
  }
}

/**
 * EncryptedData ::= SEQUENCE { version INTEGER, encryptedContentInfo EncryptedContentInfo, … }
 * EncryptedContentInfo ::= SEQUENCE { contentType OID, contentEncryptionAlgorithm AlgorithmIdentifier,
 *                                     encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL }   (RFC 5652 §6.1, §8)
 */
function readEncryptedData(node: DerNode, what: string): { algorithm: DerNode; data: Uint8Array } {
  const reader = children(node, `${what} EncryptedData`);
  readSmallInt(reader.expect(Tag.INTEGER, 'EncryptedData version'), 'EncryptedData version');
  const info = children(reader.expect(Tag.SEQUENCE, 'EncryptedContentInfo'), 'EncryptedContentInfo');
  readOid(info.expect(Tag.OID, 'EncryptedContentInfo contentType'), 'EncryptedContentInfo contentType');
  const algorithm = info.expect(Tag.SEQUENCE, 'contentEncryptionAlgorithm');
  const tag = info.peekTag();
  // OpenSSL writes the IMPLICIT [0] primitive (0x80); BER producers may write it constructed (0xa0).
  if (tag !== Tag.CONTEXT_0_PRIMITIVE && tag !== Tag.CONTEXT_0) throw new DerError(`${what}: the encrypted content is missing`, node.start);
  const data = readOctets(info.next('encryptedContent'), 'encryptedContent');
  info.finish('EncryptedContentInfo');
  return { algorithm, data };
}

function readSafeContents(octets: Uint8Array, bags: SafeBag[], depth: number): void {
  const top = readNode(octets, 0);
  if (top.tag !== Tag.SEQUENCE || top.end !== octets.length) throw new DerError('SafeContents must be exactly one SEQUENCE', 0);
  readBagList(top, bags, depth);
}

function readBagList(safeContents: DerNode, bags: SafeBag[], depth: number): void {
  const reader = children(safeContents, 'SafeContents');
  while (!reader.done) {
    const bag = children(reader.expect(Tag.SEQUENCE, 'SafeBag'), 'SafeBag');
    const bagId = readOid(bag.expect(Tag.OID, 'SafeBag bagId'), 'SafeBag bagId');
    const explicit = children(bag.expect(Tag.CONTEXT_0, 'SafeBag bagValue'), 'SafeBag bagValue');
    const value = explicit.next('SafeBag bagValue');
    explicit.finish('SafeBag bagValue');
    const attributes = bag.optional(Tag.SET, 'SafeBag bagAttributes');
    bag.finish('SafeBag');
    if (bagId === OID_SAFE_CONTENTS_BAG) {
      if (depth >= MAX_BAG_NESTING) throw new DerError('safeContentsBag nested too deeply', value.start);
      if (value.tag !== Tag.SEQUENCE) throw new DerError('safeContentsBag value must be a SEQUENCE', value.start);
      readBagList(value, bags, depth + 1);
      continue;
    }
    const kind = BAG_KINDS[bagId];
    if (kind === undefined) continue; // crlBag, secretBag: nothing pfxstore needs
    bags.push({ kind, value, ...readAttributes(attributes) });
  }
}

/** PKCS12Attribute ::= SEQUENCE { attrId OID, attrValues SET OF ANY } — only the two PKCS#9 ones we use. */
function readAttributes(set: DerNode | undefined): { localKeyId: Uint8Array | undefined; friendlyName: string | undefined } {
  let localKeyId: Uint8Array | undefined;
  let friendlyName: string | undefined;
  if (set === undefined) return { localKeyId, friendlyName };
  const reader = children(set, 'bagAttributes');
  while (!reader.done) {
    const attribute = children(reader.expect(Tag.SEQUENCE, 'bag attribute'), 'bag attribute');
    const id = readOid(attribute.expect(Tag.OID, 'bag attribute id'), 'bag attribute id');
    const values = children(attribute.expect(Tag.SET, 'bag attribute values'), 'bag attribute values');
    attribute.finish('bag attribute');
    if (values.done) continue;
    if (id === OID_LOCAL_KEY_ID) localKeyId = values.octets('localKeyId');
    else if (id === OID_FRIENDLY_NAME) friendlyName = readBmpString(values.expect(Tag.BMP_STRING, 'friendlyName'), 'friendlyName');
  }
  return { localKeyId, friendlyName };
}

/**
 * CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT ANY }: the DER of an x509Certificate bag, or
 * undefined for another kind (sdsiCertificate). The caller checks that the DER is a certificate.
 */
export function readCertBag(bag: SafeBag, what: string): Uint8Array | undefined {
  const reader = children(bag.value, `${what} CertBag`);
  const certId = readOid(reader.expect(Tag.OID, `${what} certId`), `${what} certId`);
  const value = children(reader.expect(Tag.CONTEXT_0, `${what} certValue`), `${what} certValue`);
  if (certId !== OID_X509_CERTIFICATE) return undefined;
  return value.octets(`${what} certValue`);
}
