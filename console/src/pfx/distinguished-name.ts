/**
 * A certificate subject as a person reads it: `CN=Alice, O=Contoso, C=NL`, the attributes in the order the
 * certificate writes them (X.501 order, as OpenSSL's default `-nameopt` and Node's X509Certificate.subject
 * list them), several in one RDN joined with `+`, unknown types by OID.
 */
import { latin1Text } from '../../../src/pfx/bytes.js';
import { type DerNode, Tag, children, readBmpString, readOid } from '../../../src/pfx/der.js';

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};

/** Name ::= SEQUENCE OF RelativeDistinguishedName; RDN ::= SET OF AttributeTypeAndValue (RFC 5280 §4.1.2.4). */
export function distinguishedName(name: DerNode): string {
  const rdns = children(name, 'Name');
  const parts: string[] = [];
  while (!rdns.done) {
    const set = children(rdns.expect(Tag.SET, 'RelativeDistinguishedName'), 'RelativeDistinguishedName');
    const values: string[] = [];
    while (!set.done) {
      const attribute = children(set.expect(Tag.SEQUENCE, 'AttributeTypeAndValue'), 'AttributeTypeAndValue');
      const oid = readOid(attribute.expect(Tag.OID, 'attribute type'), 'attribute type');
      values.push(`${SHORT_NAMES[oid] ?? oid}=${text(attribute.next('attribute value'))}`);
    }
    parts.push(values.join('+'));
  }
  return parts.join(', ');
}

/** DirectoryString and the string types X.520 attributes use. */
function text(value: DerNode): string {
  if (value.tag === Tag.BMP_STRING) return readBmpString(value, 'attribute value');
  const bytes = value.buf.subarray(value.contentStart, value.contentEnd);
  return value.tag === 0x0c ? new TextDecoder().decode(bytes) : latin1Text(bytes);
}
