/**
 * What a certificate allows and whom it names: its extended key usages, key usage bits and e-mail addresses
 * (RFC 5280 §4.2.1.12, §4.2.1.3, §4.2.1.6), which decide whether a device will use it for S/MIME.
 *
 * Read from the DER with the PFX layer's reader: Node's X509Certificate exposes no key usage bits, and its
 * `subjectAltName` string quotes and joins names in a form not worth parsing back; @peculiar/x509 reads all of
 * it but takes ~0.2 s to load, more than the rest of `import`'s start-up.
 *
 * Pure (Uint8Array, no Node API): the browser console lists a PFX's e-mail addresses with it.
 */
import { latin1Text } from './bytes.js';
import { readTbsCertificate } from './certificate-tbs.js';
import { type DerNode, type DerReader, DerError, Tag, children, readNode, readOid, tagName } from './der.js';
import { OID_EMAIL_ADDRESS, OID_EXTENDED_KEY_USAGE, OID_KEY_USAGE, OID_SUBJECT_ALT_NAME } from './oids.js';

export const OID_EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
export const OID_ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** Names of the usual extended key usages, for messages. */
const EXTENDED_KEY_USAGE_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  [OID_EMAIL_PROTECTION]: 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '1.3.6.1.4.1.311.20.2.2': 'smartcardLogon',
  '1.3.6.1.4.1.311.10.3.4': 'encryptingFileSystem',
  [OID_ANY_EXTENDED_KEY_USAGE]: 'anyExtendedKeyUsage',
};

/** `clientAuth (1.3.6.1.5.5.7.3.2)`, or the OID alone. */
export function describeExtendedKeyUsage(oid: string): string {
  const name = EXTENDED_KEY_USAGE_NAMES[oid];
  return name === undefined ? oid : `${name} (${oid})`;
}

/** KeyUsage bit names in bit order (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BITS = [
  'digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign',
  'encipherOnly', 'decipherOnly',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];

export interface CertificateUsage {
  /** The extended key usage OIDs; undefined when the certificate has no such extension (no restriction). */
  readonly extendedKeyUsages: readonly string[] | undefined;
  /** The key usage bits that are set; undefined when the certificate has no keyUsage extension. */
  readonly keyUsages: readonly KeyUsageName[] | undefined;
  /** rfc822Name entries of the subject alternative name, then the subject's emailAddress attributes, as written. */
  readonly emailAddresses: readonly string[];
  /** Extensions (or the subject) present but malformed: an unreadable usage counts as an empty one above. */
  readonly unreadable: readonly { readonly part: string; readonly reason: string }[];
}

/**
 * Reads the leaf's usage. The certificate has been parsed by OpenSSL already, so the outer structure is sound;
 * an extension's contents are only decoded when used, so each is read on its own and a malformed one is reported
 * in `unreadable` rather than refusing the file here.
 */
export function certificateUsage(cert: { readonly raw: Uint8Array }): CertificateUsage {
  const { subject, extensionsWrapper } = readTbsCertificate(cert.raw);
  const extensions = extensionsWrapper && children(extensionsWrapper, 'extensions').expect(Tag.SEQUENCE, 'Extensions');
  const unreadable: { part: string; reason: string }[] = [];
  const attempt = <T>(part: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof DerError)) throw err;
      unreadable.push({ part, reason: err.message });
      return undefined;
    }
  };
  const ext = attempt('extensions', () => readExtensions(extensions)) ?? new Map<string, Uint8Array>();
  const eku = ext.get(OID_EXTENDED_KEY_USAGE);
  const ku = ext.get(OID_KEY_USAGE);
  const san = ext.get(OID_SUBJECT_ALT_NAME);
  const extendedKeyUsages = eku && (attempt('extendedKeyUsage', () => readExtendedKeyUsage(single(eku))) ?? []);
  const keyUsages = ku && (attempt('keyUsage', () => readKeyUsage(single(ku))) ?? []);
  const sanEmails = (san && attempt('subjectAltName', () => readSanEmails(single(san)))) ?? [];
  const subjectEmails = attempt('subject', () => readSubjectEmails(subject)) ?? [];
  return { extendedKeyUsages, keyUsages, emailAddresses: [...sanEmails, ...subjectEmails], unreadable };
}

/** Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }: extnValue by OID. */
function readExtensions(node: DerNode | undefined): Map<string, Uint8Array> {
  const found = new Map<string, Uint8Array>();
  if (!node) return found;
  const list = children(node, 'Extensions');
  while (!list.done) {
    const ext = children(list.expect(Tag.SEQUENCE, 'Extension'), 'Extension');
    const oid = readOid(ext.expect(Tag.OID, 'extnID'), 'extnID');
    ext.optional(Tag.BOOLEAN, 'critical');
    const value = ext.octets('extnValue');
    // RFC 5280 §4.2 forbids repeating an extension; OpenSSL uses the first, and so does this.
    if (!found.has(oid)) found.set(oid, value);
  }
  return found;
}

/** ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId */
function readExtendedKeyUsage(node: DerNode): string[] {
  const list = sequence(node, 'extendedKeyUsage');
  const oids: string[] = [];
  while (!list.done) oids.push(readOid(list.expect(Tag.OID, 'KeyPurposeId'), 'KeyPurposeId'));
  return oids;
}

/** KeyUsage ::= BIT STRING: the first content octet counts the unused bits, then bit 0 is the first octet's top bit. */
function readKeyUsage(node: DerNode): KeyUsageName[] {
  if (node.tag !== Tag.BIT_STRING) throw new DerError('not a BIT STRING', node.start);
  const bytes = node.buf.subarray(node.contentStart, node.contentEnd);
  if (bytes.length === 0 || bytes[0]! > 7) throw new DerError('malformed BIT STRING', node.start);
  return KEY_USAGE_BITS.filter((_, bit) => ((bytes[1 + (bit >> 3)] ?? 0) & (0x80 >> (bit & 7))) !== 0);
}

/** GeneralNames ::= SEQUENCE OF GeneralName; rfc822Name is [1] IMPLICIT IA5String. */
function readSanEmails(node: DerNode): string[] {
  const names = sequence(node, 'subjectAltName');
  const emails: string[] = [];
  while (!names.done) {
    const name = names.next('GeneralName');
    if (name.tag === 0x81) emails.push(latin1Text(name.buf, name.contentStart, name.contentEnd));
  }
  return emails;
}

/** Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }; emailAddress is an IA5String (some CAs write UTF8String). */
function readSubjectEmails(subject: DerNode): string[] {
  const rdns = children(subject, 'subject');
  const emails: string[] = [];
  while (!rdns.done) {
    const set = children(rdns.expect(Tag.SET, 'RelativeDistinguishedName'), 'RelativeDistinguishedName');
    while (!set.done) {
      const attribute = children(set.expect(Tag.SEQUENCE, 'AttributeTypeAndValue'), 'AttributeTypeAndValue');
      const type = readOid(attribute.expect(Tag.OID, 'attribute type'), 'attribute type');
      const value = attribute.next('attribute value');
      if (type === OID_EMAIL_ADDRESS && !value.constructed) {
        const bytes = value.buf.subarray(value.contentStart, value.contentEnd);
        emails.push(value.tag === 0x0c ? new TextDecoder().decode(bytes) : latin1Text(bytes));
      }
    }
  }
  return emails;
}

/** An extension's value: exactly one element. */
function single(value: Uint8Array): DerNode {
  const node = readNode(value, 0);
  if (node.end !== value.length) throw new DerError(`${value.length - node.end} bytes after the value`, node.end);
  return node;
}

function sequence(node: DerNode, what: string): DerReader {
  if (node.tag !== Tag.SEQUENCE) throw new DerError(`not a SEQUENCE but ${tagName(node.tag)}`, node.start);
  return children(node, what);
}
