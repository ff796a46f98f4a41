/**
 * The outer PFX structure (RFC 7292 §4), read without a password:
 *
 *   PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
 *   AuthenticatedSafe ::= SEQUENCE OF ContentInfo   -- the authSafe's data content
 *
 * The server uses `checkPkcs12Structure` to refuse an `encryptedPfxBlob` that is not PKCS#12; it
 * walks only headers (no decryption, no hashing), so it costs microseconds even for large files.
 *
 * Pure (Uint8Array, no Node API): the browser console reads PFX files with it too.
 */
import { type DerNode, DerError, DerReader, Tag, children, readNode, readOid, readSmallInt } from './der.js';
import { PfxError } from './errors.js';
import { latin1Text } from './bytes.js';
import { type MacData, readMacData } from './mac-data.js';
import { OID_DATA, OID_ENCRYPTED_DATA, OID_ENVELOPED_DATA, OID_SIGNED_DATA, describeOid } from './oids.js';

export interface PfxStructure {
  /** OID of the authSafe content type: data (password integrity) or signedData (public-key integrity). */
  readonly authSafeType: string;
  /** The AuthenticatedSafe octets the MAC covers (empty for signedData, which pfxstore does not open). */
  readonly authSafe: Uint8Array;
  /** The AuthenticatedSafe's ContentInfo elements, each a data, encryptedData or envelopedData. */
  readonly contentInfos: readonly DerNode[];
  readonly mac: MacData | undefined;
}

const CONTENT_INFO_TYPES = new Set([OID_DATA, OID_ENCRYPTED_DATA, OID_ENVELOPED_DATA]);

/** Parses the outer structure; throws `PfxError('not-pkcs12')` naming what is wrong and where. */
export function parsePfx(der: Uint8Array): PfxStructure {
  if (!((der as unknown) instanceof Uint8Array)) throw notPkcs12('the input is not binary data');
  if (der.length === 0) throw notPkcs12('the file is empty');
  const sniffed = sniffNonDer(der);
  if (sniffed) throw notPkcs12(sniffed);
  try {
    return readPfx(der);
  } catch (e) {
    if (e instanceof DerError) throw notPkcs12(e.message);
    throw e;
  }
}

/** Throws `PfxError('not-pkcs12')` with the precise reason unless `der` is a PKCS#12 PFX structure. */
export function checkPkcs12Structure(der: Uint8Array): void {
  parsePfx(der);
}

export function isPkcs12Structure(der: Uint8Array): boolean {
  try {
    parsePfx(der);
    return true;
  } catch (e) {
    if (e instanceof PfxError) return false;
    throw e;
  }
}

function readPfx(der: Uint8Array): PfxStructure {
  const top = readNode(der, 0);
  if (top.tag !== Tag.SEQUENCE) throw new DerError('the PFX must be a SEQUENCE', 0);
  if (top.end !== der.length) throw new DerError(`${der.length - top.end} bytes of unexpected data after the PFX`, top.end);
  const pfx = children(top, 'PFX');
  const version = readSmallInt(pfx.expect(Tag.INTEGER, 'PFX version'), 'PFX version');
  if (version !== 3) throw new DerError(`PFX version is ${version}; PKCS#12 v1.0/v1.1 files have version 3`, top.contentStart);

  const authSafeNode = pfx.expect(Tag.SEQUENCE, 'PFX authSafe (ContentInfo)');
  const contentInfo = children(authSafeNode, 'authSafe ContentInfo');
  const authSafeType = readOid(contentInfo.expect(Tag.OID, 'authSafe contentType'), 'authSafe contentType');
  const explicit = contentInfo.expect(Tag.CONTEXT_0, 'authSafe content');
  contentInfo.finish('authSafe ContentInfo');

  let authSafe: Uint8Array = new Uint8Array(0);
  let contentInfos: DerNode[] = [];
  if (authSafeType === OID_DATA) {
    const inner = children(explicit, 'authSafe content');
    authSafe = inner.octets('authSafe data (OCTET STRING)');
    inner.finish('authSafe content');
    contentInfos = readAuthenticatedSafe(authSafe);
  } else if (authSafeType === OID_SIGNED_DATA) {
    children(explicit, 'authSafe signedData').expect(Tag.SEQUENCE, 'authSafe SignedData');
  } else {
    throw new DerError(`authSafe content type is ${describeOid(authSafeType)}, not data or signedData`, authSafeNode.start);
  }

  const macNode = pfx.optional(Tag.SEQUENCE, 'PFX macData');
  const mac = macNode ? readMacData(macNode) : undefined;
  pfx.finish('PFX');
  return { authSafeType, authSafe, contentInfos, mac };
}

/** AuthenticatedSafe ::= SEQUENCE OF ContentInfo; each element's content type is checked, not its content. */
function readAuthenticatedSafe(octets: Uint8Array): DerNode[] {
  const what = 'AuthenticatedSafe';
  const top = readNode(octets, 0);
  if (top.tag !== Tag.SEQUENCE) throw new DerError(`${what} must be a SEQUENCE`, 0);
  if (top.end !== octets.length) throw new DerError(`${what} is followed by ${octets.length - top.end} unexpected bytes`, top.end);
  const reader = children(top, what);
  const infos: DerNode[] = [];
  while (!reader.done) {
    const node = reader.expect(Tag.SEQUENCE, `${what} ContentInfo ${infos.length + 1}`);
    const type = readOid(new DerReader(octets, node.contentStart, node.contentEnd).expect(Tag.OID, 'ContentInfo contentType'), 'ContentInfo contentType');
    if (!CONTENT_INFO_TYPES.has(type)) {
      throw new DerError(`${what} ContentInfo ${infos.length + 1} has content type ${describeOid(type)}`, node.start);
    }
    infos.push(node);
  }
  return infos;
}

/** Names the common wrong inputs (PEM, base64, JSON, text) so the error says what was sent instead. */
function sniffNonDer(der: Uint8Array): string | undefined {
  // The usual case, and the server checks every created certificate: a DER SEQUENCE is not text of any kind below.
  if (der[0] === Tag.SEQUENCE) return undefined;
  const head = latin1Text(der.subarray(0, 64)).trimStart();
  if (head.startsWith('-----BEGIN')) return 'it is PEM text (-----BEGIN …); a PFX is binary DER';
  if (head.startsWith('{') || head.startsWith('[')) return 'it looks like JSON; a PFX is binary DER';
  if (head.startsWith('MI')) return 'it looks like base64 text; decode it to binary DER first';
  return `a PFX starts with a DER SEQUENCE (0x30), this starts with 0x${der[0].toString(16).padStart(2, '0')}`;
}

function notPkcs12(reason: string): PfxError {
  return new PfxError('not-pkcs12', `not a PKCS#12 (PFX) file: ${reason}`);
}
