/**
 * From the AuthenticatedSafe's ContentInfos to SafeBags (RFC 7292 §4.1–4.2), decrypting the
 * encryptedData ones (where OpenSSL puts the certificates) with the password.
 *
 *   SafeContents ::= SEQUENCE OF SafeBag
 *   SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF PKCS12Attribute OPTIONAL }
 */
import { type DerNode, DerError, Tag, children, readBmpString, readNode, readOctets, readOid, readSmallInt } from './der.js';
import { PfxError } from './errors.js';
import type { IterationBudget } from './limits.js';
import {
  OID_CERT_BAG,
  OID_DATA,
  OID_ENCRYPTED_DATA,
  OID_FRIENDLY_NAME,
  OID_KEY_BAG,
  OID_LOCAL_KEY_ID,
  OID_SAFE_CONTENTS_BAG,
  OID_SHROUDED_KEY_BAG,
  describeOid,
} from './oids.js';
import { DecryptFailure, pbeDecrypt } from './pbe.js';
import type { PasswordForm } from './pkcs12-kdf.js';

export type BagKind = 'key' | 'shrouded-key' | 'cert';

export interface SafeBag {
  readonly kind: BagKind;
  /** The bagValue (inside its EXPLICIT [0]). */
  readonly value: DerNode;
  readonly localKeyId: Buffer | undefined;
  readonly friendlyName: string | undefined;
}

/** safeContentsBag nesting allowed; real files never nest at all. */
const MAX_BAG_NESTING = 4;

const BAG_KINDS: Readonly<Record<string, BagKind>> = {
  [OID_KEY_BAG]: 'key',
  [OID_SHROUDED_KEY_BAG]: 'shrouded-key',
  [OID_CERT_BAG]: 'cert',
};

/**
 * All key and certificate bags of the file, in file order. CRL and secret bags are skipped.
 * Anything unreadable inside decrypted content becomes a `DecryptFailure`: garbage after
 * decryption means the key (so the password) was wrong, even when the padding happened to pass.
 */
export function readSafeBags(contentInfos: readonly DerNode[], password: PasswordForm, budget: IterationBudget): SafeBag[] {
  const bags: SafeBag[] = [];
  contentInfos.forEach((node, index) => {
    const what = `AuthenticatedSafe ContentInfo ${index + 1}`;
    const reader = children(node, what);
    const type = readOid(reader.expect(Tag.OID, `${what} contentType`), `${what} contentType`);
    const explicit = reader.expect(Tag.CONTEXT_0, `${what} content`);
    reader.finish(what);
    const content = children(explicit, `${what} content`);
    if (type === OID_DATA) {
      const octets = content.octets(`${what} data`);
      content.finish(`${what} content`);
      readSafeContents(octets, bags, 0);
    } else if (type === OID_ENCRYPTED_DATA) {
      const plaintext = decryptEncryptedData(content.expect(Tag.SEQUENCE, `${what} EncryptedData`), password, budget, what);
      content.finish(`${what} content`);
      try {
        readSafeContents(plaintext, bags, 0);
      } catch (e) {
        if (e instanceof DerError) throw new DecryptFailure(`${what}: decrypted contents are not SafeContents (${e.message})`);
        throw e;
      }
    } else {
      throw new PfxError('unsupported-algorithm', `${what} is ${describeOid(type)}, which pfxstore does not open`);
    }
  });
  return bags;
}

/**
 * EncryptedData ::= SEQUENCE { version INTEGER, encryptedContentInfo EncryptedContentInfo, … }
 * EncryptedContentInfo ::= SEQUENCE { contentType OID, contentEncryptionAlgorithm AlgorithmIdentifier,
 *                                     encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL }   (RFC 5652 §6.1, §8)
 */
function decryptEncryptedData(node: DerNode, password: PasswordForm, budget: IterationBudget, what: string): Buffer {
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
  return pbeDecrypt(algorithm, data, password, budget, `${what} (encrypted SafeContents)`);
}

function readSafeContents(octets: Buffer, bags: SafeBag[], depth: number): void {
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
function readAttributes(set: DerNode | undefined): { localKeyId: Buffer | undefined; friendlyName: string | undefined } {
  let localKeyId: Buffer | undefined;
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
