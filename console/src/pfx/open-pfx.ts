/**
 * Opening a PFX in the browser: the same steps, order and messages as the CLI's `openPkcs12`
 * (src/pfx/pkcs12.ts), on the same pure readers (src/pfx: structure, MAC data, PBE parameters, safe bags,
 * certificate fields), with WebCrypto doing the cryptography. Structure first (not-pkcs12), then the MAC
 * (wrong-password, before any "bad decrypt"), then the contents. The password stays in this function's memory.
 */
import { readTbsCertificate, readValidity } from '../../../src/pfx/certificate-tbs.js';
import { certificateUsage } from '../../../src/pfx/certificate-usage.js';
import { DerError, encoding } from '../../../src/pfx/der.js';
import { DecryptFailure } from '../../../src/pfx/errors.js';
import type { IterationBudget } from '../../../src/pfx/limits.js';
import { assertMacSupported } from '../../../src/pfx/mac-data.js';
import {
  asOpenError, assertKeyAndCertificate, candidatesFor, contentsDoNotDecrypt, macMismatch, noMacWrongPassword, noMatchingCertificate, sameLocalKeyId,
  startOpening,
} from '../../../src/pfx/open-steps.js';
import { readEncryptedPrivateKeyInfo } from '../../../src/pfx/pbe-params.js';
import type { PfxStructure } from '../../../src/pfx/pfx-structure.js';
import type { PasswordForm } from '../../../src/pfx/pkcs12-kdf-core.js';
import { type SafeBag, readCertBag, readSafeBags, readSafeContentsPart } from '../../../src/pfx/safe-bags.js';
import { distinguishedName } from './distinguished-name.js';
import { type KeyIdentity, privateKeyIdentity, publicKeyIdentity, sameKey } from './key-identity.js';
import { verifyMac } from './mac-verify.js';
import { pbeDecrypt } from './pbe-decrypt.js';
import { sha1Hex } from './web-crypto.js';

export interface OpenedPfx {
  /** SHA-1 of the leaf certificate's DER, 40 upper-case hex digits (as Windows shows it). */
  readonly thumbprint: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The leaf's subject, e.g. `CN=Alice, O=Contoso` (distinguished-name.ts). */
  readonly subject: string;
  /** rfc822Name entries of the subject alternative name, then the subject's emailAddress attributes. */
  readonly emails: string[];
  /** The leaf's PKCS#9 friendlyName, when the file gives one. */
  readonly friendlyName: string | undefined;
  /** The leaf certificate's DER. */
  readonly certificate: Uint8Array;
}

export interface OpenPfxOptions {
  /** Refuse files whose key derivations ask for more iterations than this (default 1,000,000, as the CLI). */
  readonly maxIterations?: number;
}

interface Found {
  readonly bag: SafeBag;
}
interface FoundKey extends Found {
  readonly identity: KeyIdentity | undefined;
}
interface FoundCert extends Found {
  readonly der: Uint8Array;
  readonly identity: KeyIdentity | undefined;
}
interface Contents {
  readonly keys: FoundKey[];
  readonly certs: FoundCert[];
}

/** Opens a DER PKCS#12 file. Rejects with `PfxError` (the CLI's code and message) on every failure. */
export async function openPfx(bytes: Uint8Array, password: string, options: OpenPfxOptions = {}): Promise<OpenedPfx> {
  const { pfx, budget, forms } = startOpening(bytes, password, options.maxIterations);
  try {
    return await describeLeaf(pickLeaf(pfx.mac ? await openWithMac(pfx, forms, budget) : await openWithoutMac(pfx, forms, budget)));
  } catch (e) {
    throw asOpenError(e);
  }
}

async function openWithMac(pfx: PfxStructure, forms: PasswordForm[], budget: IterationBudget): Promise<Contents> {
  const mac = pfx.mac!;
  assertMacSupported(mac);
  let form: PasswordForm | undefined;
  for (const candidate of forms) {
    if (await verifyMac(mac, pfx.authSafe, candidate, budget)) {
      form = candidate;
      break;
    }
  }
  if (form === undefined) throw macMismatch();
  try {
    return await readContents(pfx, form, budget);
  } catch (e) {
    if (!(e instanceof DecryptFailure)) throw e;
    throw contentsDoNotDecrypt(e);
  }
}

/** Without a MAC the only evidence of a wrong password is contents that do not decrypt. */
async function openWithoutMac(pfx: PfxStructure, forms: PasswordForm[], budget: IterationBudget): Promise<Contents> {
  let failure: DecryptFailure | undefined;
  for (const form of forms) {
    try {
      return await readContents(pfx, form, budget);
    } catch (e) {
      if (!(e instanceof DecryptFailure)) throw e;
      failure ??= e;
    }
  }
  throw noMacWrongPassword(failure!);
}

async function readContents(pfx: PfxStructure, form: PasswordForm, budget: IterationBudget): Promise<Contents> {
  const bags: SafeBag[] = [];
  for (const [index, node] of pfx.contentInfos.entries()) {
    const part = readSafeContentsPart(node, index);
    readSafeBags(part, part.encrypted ? await pbeDecrypt(part.algorithm, part.data, form, budget, part.decryptWhat) : part.octets, bags);
  }
  const keys: FoundKey[] = [];
  const certs: FoundCert[] = [];
  for (const [index, bag] of bags.entries()) {
    const what = `SafeBag ${index + 1}`;
    if (bag.kind === 'cert') {
      const der = readCertBag(bag, what);
      if (der) certs.push({ bag, der, identity: certificateIdentity(der, what) });
    } else if (bag.kind === 'key') {
      // keyBag: a plain PrivateKeyInfo (RFC 5208 §5), as `-keypbe NONE` writes.
      keys.push({ bag, identity: keyIdentity(encoding(bag.value), () => new DerError(`${what}: the key bag holds no readable PKCS#8 private key`)) });
    } else {
      const { algorithm, data } = readEncryptedPrivateKeyInfo(bag.value, `${what} (shrouded key bag)`);
      const plain = await pbeDecrypt(algorithm, data, form, budget, `${what} (shrouded key bag)`);
      keys.push({ bag, identity: keyIdentity(plain, () => new DecryptFailure(`${what}: the decrypted key is not PKCS#8`)) });
    }
  }
  return { keys, certs };
}

function certificateIdentity(der: Uint8Array, what: string): KeyIdentity | undefined {
  try {
    return publicKeyIdentity(readTbsCertificate(der).subjectPublicKeyInfo);
  } catch {
    throw new DerError(`${what} does not hold a valid X.509 certificate`);
  }
}

function keyIdentity(der: Uint8Array, failure: () => Error): KeyIdentity | undefined {
  try {
    return privateKeyIdentity(der);
  } catch {
    throw failure();
  }
}

/**
 * The leaf is the certificate whose public key matches a private key — not the first certificate, since
 * OpenSSL and Windows order chains differently. Bags sharing the key's localKeyId are tried first; a key whose
 * public part its DER does not carry (rare: an EC key without its point) takes the certificate with its localKeyId.
 */
function pickLeaf({ keys, certs }: Contents): { cert: FoundCert; key: FoundKey } {
  assertKeyAndCertificate(keys.length, certs.length);
  for (const key of keys) {
    const leaf = key.identity === undefined
      ? certs.find((c) => sameLocalKeyId(key.bag, c.bag))
      : candidatesFor(key.bag, certs).find((c) => sameKey(c.identity, key.identity));
    if (leaf) return { cert: leaf, key };
  }
  throw noMatchingCertificate(certs.length);
}

async function describeLeaf({ cert, key }: { cert: FoundCert; key: FoundKey }): Promise<OpenedPfx> {
  const { notBefore, notAfter } = readValidity(cert.der);
  return {
    thumbprint: (await sha1Hex(cert.der)).toUpperCase(),
    notBefore,
    notAfter,
    subject: distinguishedName(readTbsCertificate(cert.der).subject),
    emails: [...certificateUsage({ raw: cert.der }).emailAddresses],
    friendlyName: cert.bag.friendlyName ?? key.bag.friendlyName,
    certificate: cert.der,
  };
}
