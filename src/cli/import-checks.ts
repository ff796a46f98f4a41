/**
 * Will a device use this certificate for what it is imported for? `import` warns (or, with `--strict`, refuses
 * the file) when the answer is no, before anything is stored: without these checks a profile fails silently on
 * the device and the user finds out weeks later. Each warning says what is wrong and what to do. No HTTP here:
 * the user's mail, when needed, is looked up by the caller and passed in.
 */
import { type CertificateUsage, describeExtendedKeyUsage, OID_ANY_EXTENDED_KEY_USAGE, OID_EMAIL_PROTECTION } from '../pfx/index.js';

const SMIME = new Set(['smimeEncryption', 'smimeSigning']);

/** The user's mail from /users, or why it is not known (no mail, no such user yet, a dry run, a failed lookup). */
export type UserMail = { readonly address: string } | { readonly missing: string };

export interface DeviceCheckInput {
  readonly purpose: string;
  readonly upn: string;
  readonly usage: CertificateUsage;
  readonly notBefore: Date;
  readonly now: Date;
  /** Absent when it was not needed: see `needsUserMail`. */
  readonly mail?: UserMail;
}

/** The mail is worth a request only for an S/MIME certificate that names addresses, none of them the UPN. */
export function needsUserMail(purpose: string, upn: string, usage: CertificateUsage): boolean {
  return SMIME.has(purpose) && usage.emailAddresses.length > 0 && !includes(usage.emailAddresses, upn);
}

/** Every reason a device would not use the certificate for `purpose`, in a fixed order. */
export function deviceWarnings(input: DeviceCheckInput): string[] {
  const { purpose, usage } = input;
  const warnings = usage.unreadable.map(({ part, reason }) =>
    `the certificate's ${part} ${part === 'subject' ? '' : 'extension '}is malformed (${reason}), so devices may refuse the certificate; have it reissued`);
  if (SMIME.has(purpose)) {
    warnings.push(...[extendedKeyUsageWarning(purpose, usage), keyUsageWarning(purpose, usage), addressWarning(input)]
      .filter((w): w is string => w !== undefined));
  }
  if (purpose === 'vpn' || purpose === 'wifi') {
    const profile = purpose === 'vpn' ? 'VPN' : 'Wi-Fi';
    warnings.push(`purpose ${purpose}: Intune does not deliver imported PFX certificates to ${profile} profiles, so no device will get this one ` +
      `for ${profile}; deploy ${profile} certificates with a SCEP or PKCS certificate profile, or import this one with the S/MIME purpose it was made for`);
  }
  if (input.notBefore.getTime() > input.now.getTime()) {
    const days = Math.ceil((input.notBefore.getTime() - input.now.getTime()) / 86_400_000);
    warnings.push(`the certificate is not valid before ${input.notBefore.toISOString()} (${days === 1 ? '1 day' : `${days} days`} from now), ` +
      'so devices will not use it until then; import it nearer that date, or have it reissued if the issuing CA\'s clock is wrong');
  }
  return warnings;
}

/** No EKU extension means no restriction (RFC 5280 §4.2.1.12), as does anyExtendedKeyUsage. */
function extendedKeyUsageWarning(purpose: string, { extendedKeyUsages: ekus }: CertificateUsage): string | undefined {
  if (ekus === undefined || ekus.includes(OID_EMAIL_PROTECTION) || ekus.includes(OID_ANY_EXTENDED_KEY_USAGE)) return undefined;
  const has = ekus.length > 0 ? `allows only ${ekus.map(describeExtendedKeyUsage).join(', ')}` : 'has an empty extended key usage';
  return `purpose ${purpose} needs the emailProtection extended key usage (${OID_EMAIL_PROTECTION}), but the certificate ${has}, ` +
    'so mail clients will not use it for S/MIME; reissue it with emailProtection in its extended key usage, or import it with the purpose it was made for';
}

/** Without a keyUsage extension any use is allowed; with one, the bit the purpose needs must be set. */
function keyUsageWarning(purpose: string, { keyUsages }: CertificateUsage): string | undefined {
  if (keyUsages === undefined) return undefined;
  const [needed, effect, other] = purpose === 'smimeEncryption'
    ? ['keyEncipherment', 'mail encrypted to it cannot be opened with this key', 'smimeSigning']
    : ['digitalSignature', 'mail clients will not sign with it', 'smimeEncryption'];
  if ((keyUsages as readonly string[]).includes(needed)) return undefined;
  const has = keyUsages.length > 0 ? `allows only ${keyUsages.join(', ')}` : 'has an empty key usage';
  return `purpose ${purpose} needs the ${needed} key usage, but the certificate ${has}, so ${effect}; ` +
    `reissue it with ${needed} in its key usage, or import it as ${other} if it was made for that`;
}

/** Mail clients pick an S/MIME certificate by address: it must name the user's UPN or mail. */
function addressWarning({ upn, usage, mail }: DeviceCheckInput): string | undefined {
  const addresses = usage.emailAddresses;
  if (addresses.length === 0) {
    return 'the certificate names no e-mail address (no rfc822Name in its subject alternative name, no emailAddress in its subject), ' +
      `so mail clients cannot match it to ${upn}; reissue it with the user's address in its subject alternative name`;
  }
  const known = mail !== undefined && 'address' in mail ? mail.address : undefined;
  if (includes(addresses, upn) || (known !== undefined && includes(addresses, known))) return undefined;
  const one = addresses.length === 1;
  const named = one ? `the certificate's e-mail address ${addresses[0]}` : `the certificate's e-mail addresses (${addresses.join(', ')})`;
  const what = known !== undefined
    ? `${one ? 'is neither' : 'include neither'} the UPN ${upn} nor the user's mail ${known}`
    : `${one ? 'is not' : 'do not include'} the UPN ${upn}${mail && 'missing' in mail ? ` (${mail.missing})` : ''}`;
  return `${named} ${what}, so mail clients will not use it for this user's mailbox; ` +
    'check the UPN given, or reissue the certificate for the user\'s address';
}

function includes(addresses: readonly string[], address: string): boolean {
  const wanted = address.trim().toLowerCase();
  return addresses.some((a) => a.trim().toLowerCase() === wanted);
}
