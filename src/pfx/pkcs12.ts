/**
 * Opening a PKCS#12 file with its password (RFC 7292): verify the MAC, decrypt the bags, and
 * return the certificate that belongs to the private key, its chain and the key.
 *
 * Order matters for the error a person sees: the structure is checked first (not-pkcs12), then
 * the MAC (wrong-password, before any "bad decrypt" can happen), then the contents.
 */
import { type KeyObject, X509Certificate, createPrivateKey } from 'node:crypto';
import { DerError, encoding } from './der.js';
import { DecryptFailure } from './errors.js';
import type { IterationBudget } from './limits.js';
import { assertMacSupported, verifyMac } from './mac.js';
import {
  asOpenError, assertKeyAndCertificate, candidatesFor, contentsDoNotDecrypt, macMismatch, noMacWrongPassword, noMatchingCertificate, startOpening,
} from './open-steps.js';
import { pbeDecrypt } from './pbe.js';
import { readEncryptedPrivateKeyInfo } from './pbe-params.js';
import type { PfxStructure } from './pfx-structure.js';
import type { PasswordForm } from './pkcs12-kdf.js';
import { canonicalRsaPrivateKey } from './rsa-private-key.js';
import { type SafeBag, readCertBag, readSafeBags, readSafeContentsPart } from './safe-bags.js';

export { checkPkcs12Structure, isPkcs12Structure } from './pfx-structure.js';

export interface OpenedPfx {
  /** The end-entity certificate: the one whose public key matches `privateKey`. */
  readonly certificate: X509Certificate;
  /** The other certificates, issuer of the leaf first, then any the file holds beyond the path. */
  readonly chain: X509Certificate[];
  readonly privateKey: KeyObject;
  /** The leaf's PKCS#9 friendlyName, when the file gives one. */
  readonly friendlyName: string | undefined;
}

export interface OpenPkcs12Options {
  /** Refuse files whose key derivations ask for more iterations than this (default 1,000,000). */
  readonly maxIterations?: number;
}

interface Found {
  readonly bag: SafeBag;
}
interface FoundKey extends Found {
  readonly key: KeyObject;
}
interface FoundCert extends Found {
  readonly cert: X509Certificate;
}
interface Contents {
  readonly keys: FoundKey[];
  readonly certs: FoundCert[];
}

/** Opens a DER PKCS#12 file. Throws `PfxError` with a precise code and message on every failure. */
export function openPkcs12(der: Uint8Array, password: string, options: OpenPkcs12Options = {}): OpenedPfx {
  const { pfx, budget, forms } = startOpening(der, password, options.maxIterations);
  try {
    return pickLeaf(pfx.mac ? openWithMac(pfx, forms, budget) : openWithoutMac(pfx, forms, budget));
  } catch (e) {
    throw asOpenError(e);
  }
}

function openWithMac(pfx: PfxStructure, forms: PasswordForm[], budget: IterationBudget): Contents {
  const mac = pfx.mac!;
  assertMacSupported(mac);
  const form = forms.find((f) => verifyMac(mac, pfx.authSafe, f, budget));
  if (form === undefined) throw macMismatch();
  try {
    return readContents(pfx, form, budget);
  } catch (e) {
    if (!(e instanceof DecryptFailure)) throw e;
    throw contentsDoNotDecrypt(e);
  }
}

/** Without a MAC the only evidence of a wrong password is contents that do not decrypt. */
function openWithoutMac(pfx: PfxStructure, forms: PasswordForm[], budget: IterationBudget): Contents {
  let failure: DecryptFailure | undefined;
  for (const form of forms) {
    try {
      return readContents(pfx, form, budget);
    } catch (e) {
      if (!(e instanceof DecryptFailure)) throw e;
      failure ??= e;
    }
  }
  throw noMacWrongPassword(failure!);
}

function readContents(pfx: PfxStructure, form: PasswordForm, budget: IterationBudget): Contents {
  const keys: FoundKey[] = [];
  const certs: FoundCert[] = [];
  const bags: SafeBag[] = [];
  pfx.contentInfos.forEach((node, index) => {
    const part = readSafeContentsPart(node, index);
    readSafeBags(part, part.encrypted ? pbeDecrypt(part.algorithm, part.data, form, budget, part.decryptWhat) : part.octets, bags);
  });
  bags.forEach((bag, index) => {
    const what = `SafeBag ${index + 1}`;
    if (bag.kind === 'cert') {
      const cert = readCertificate(bag, what);
      if (cert) certs.push({ bag, cert });
    } else if (bag.kind === 'key') {
      // keyBag: a plain PrivateKeyInfo (RFC 5208 §5), as `-keypbe NONE` writes.
      keys.push({ bag, key: privateKey(asBuffer(encoding(bag.value)), () => new DerError(`${what}: the key bag holds no readable PKCS#8 private key`)) });
    } else {
      const { algorithm, data } = readEncryptedPrivateKeyInfo(bag.value, `${what} (shrouded key bag)`);
      const plain = pbeDecrypt(algorithm, data, form, budget, `${what} (shrouded key bag)`);
      keys.push({ bag, key: privateKey(plain, () => new DecryptFailure(`${what}: the decrypted key is not PKCS#8`)) });
    }
  });
  return { keys, certs };
}

/** The bag's certificate as Node reads it; undefined for a bag that holds no X.509 certificate. */
function readCertificate(bag: SafeBag, what: string): X509Certificate | undefined {
  const der = readCertBag(bag, what);
  if (der === undefined) return undefined;
  try {
    return new X509Certificate(der);
  } catch {
    throw new DerError(`${what} does not hold a valid X.509 certificate`);
  }
}

/** A Buffer view of the same bytes (no copy): node:crypto's key readers are typed for Buffers. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function privateKey(der: Buffer, failure: () => Error): KeyObject {
  const canonical = canonicalRsaPrivateKey(der); // ~25 µs instead of OpenSSL 3.0's ~0.5 ms decoder
  if (canonical) return canonical;
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    throw failure();
  }
}

/**
 * The leaf is the certificate whose public key matches a private key — not the first certificate,
 * since OpenSSL and Windows order chains differently. Bags sharing the key's localKeyId are tried
 * first; with several keys the first one that has a certificate wins.
 */
function pickLeaf({ keys, certs }: Contents): OpenedPfx {
  assertKeyAndCertificate(keys.length, certs.length);
  for (const { key, bag } of keys) {
    const leaf = candidatesFor(bag, certs).find((c) => matches(c.cert, key));
    if (leaf) {
      return {
        certificate: leaf.cert,
        chain: orderChain(leaf.cert, certs.map((c) => c.cert).filter((c) => c !== leaf.cert)),
        privateKey: key,
        friendlyName: leaf.bag.friendlyName ?? bag.friendlyName,
      };
    }
  }
  throw noMatchingCertificate(certs.length);
}

function matches(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.checkPrivateKey(key);
  } catch {
    return false; // e.g. an EC certificate against an RSA key
  }
}

/** Leaf's issuer first, then its issuer, …; certificates off that path keep file order at the end. */
function orderChain(leaf: X509Certificate, others: X509Certificate[]): X509Certificate[] {
  const rest = others.filter((c, i) => !c.raw.equals(leaf.raw) && others.findIndex((o) => o.raw.equals(c.raw)) === i);
  const chain: X509Certificate[] = [];
  let current = leaf;
  while (rest.length > 0 && !current.checkIssued(current)) {
    const next = rest.findIndex((c) => current.checkIssued(c));
    if (next < 0) break;
    current = rest.splice(next, 1)[0]!;
    chain.push(current);
  }
  return [...chain, ...rest];
}
